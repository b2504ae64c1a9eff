"""Statutory time limits as data: each with its length, unit and legal basis, editable by an admin (DESIGN §4)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class StatutoryClock(db.Model):
    __tablename__ = "statutory_clocks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)   # complaint_acceptance, ...
    title: Mapped[str] = mapped_column(String(50))
    days: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))                     # working | calendar
    basis: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None]
