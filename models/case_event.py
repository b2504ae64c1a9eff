"""The append-only history of a case: filing, every status change, assignment, mediation notes, replies."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class EventKind(StrEnum):
    FILED = "filed"
    STATUS = "status"
    ASSIGNED = "assigned"
    MEDIATION = "mediation"
    NOTE = "note"             # internal: staff only
    REPLY = "reply"           # told to the consumer
    NUMBER_12315 = "12315"
    SECTOR = "sector"
    RATED = "rated"
    REVIEW = "review"
    EVIDENCE = "evidence"
    NOTIFIED = "notified"     # how the consumer was told (channel)
    REMINDER = "reminder"     # a deadline reminder to the assignee and head


class CaseEvent(db.Model):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    visible: Mapped[bool] = mapped_column(default=False)              # shown to the consumer
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
