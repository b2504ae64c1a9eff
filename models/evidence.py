"""Photos sent as evidence during a chat intake, fetched from WeChat's media API and kept in the database.

A photo belongs to an intake (openid + intake token) first and to its case once filed. A failed fetch stays here
with its error and attempt count until the retry job fetches it or WeChat's 3-day media lifetime has passed.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from extensions import db


class PhotoStatus(StrEnum):
    STORED = "stored"
    PENDING = "pending"       # a fetch failed; the retry job tries again
    LOST = "lost"             # WeChat no longer has it (3 days) — shown to staff


class EvidencePhoto(db.Model):
    __tablename__ = "case_evidence"
    __table_args__ = (UniqueConstraint("intake_token", "media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    intake_token: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    media_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    fetched_at: Mapped[datetime | None]
