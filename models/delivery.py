"""Every attempt to reach a follower outside a passive reply: which channel, for what, and how it went."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class DeliveryAttempt(db.Model):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)   # e.g. "case:TS20261128-0001:accepted"
    channel: Mapped[str] = mapped_column(String(16))               # custom | template | subscription | deferred
    ok: Mapped[bool]
    errcode: Mapped[int | None]
    at: Mapped[datetime]
