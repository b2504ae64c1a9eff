"""A campaign (e.g. 2027年3·15): its dates and departments, the staff-written 总结 and 动态信息 of its 活动情况 report,
and the photos (影像资料) staff upload with captions. The report's figures are not stored: they are computed from
the same queries the console's lists use (`services.campaign_report`)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from extensions import db


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    starts_on: Mapped[date]                                     # China dates, both inclusive
    ends_on: Mapped[date]
    department_ids: Mapped[list] = mapped_column(JSON, default=list)   # departments taking part
    summary: Mapped[str] = mapped_column(Text, default="")      # 总结
    news: Mapped[str] = mapped_column(Text, default="")         # 动态信息
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    photos: Mapped[list[CampaignPhoto]] = relationship(order_by="CampaignPhoto.id", cascade="all, delete-orphan")


class CampaignPhoto(db.Model):
    __tablename__ = "campaign_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    caption: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]
