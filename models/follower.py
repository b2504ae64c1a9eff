"""Followers of the account: who follows, since when, and when they last wrote (the 48-hour window)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class Follower(db.Model):
    __tablename__ = "followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    subscribed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    scene: Mapped[str | None] = mapped_column(String(64))          # qrscene / SCAN scene they came from
    last_inbound_at: Mapped[datetime | None]                       # opens WeChat's 48-hour service window
    has_notices: Mapped[bool] = mapped_column(default=False)       # undelivered notices wait (services/notices.py)
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<Follower {self.id} subscribed={self.subscribed}>"
