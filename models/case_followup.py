"""After and around the handling of a case: the consumer's rating, the 复核 task it may open, sent reminders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class CaseRating(db.Model):
    __tablename__ = "case_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    score: Mapped[int]                                  # 5 非常满意 … 1 非常不满意
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class CaseReview(db.Model):
    """A 复核 task for the department head, opened by a rating of 不满意 or worse."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    opened_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")


class CaseReminder(db.Model):
    """One reminder sent for one threshold of one clock of one case (50%, 75%, due, overdue): never twice."""

    __tablename__ = "case_reminders"
    __table_args__ = (UniqueConstraint("case_id", "clock", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    clock: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(default=0)
