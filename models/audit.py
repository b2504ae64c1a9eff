"""The append-only audit trail: who did what, when, to which object, with before/after (personal fields masked).

Rows are written by `services.audit.record` in the same transaction as the change. The ORM refuses to update or
delete one, and no route offers to.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)  # None: CLI or system
    actor_name: Mapped[str] = mapped_column(String(64))          # kept as written, even if the account changes
    action: Mapped[str] = mapped_column(String(64), index=True)  # "staff.create", "complaint.assign", ...
    object_type: Mapped[str] = mapped_column(String(32), index=True)
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


class AuditTamper(RuntimeError):
    """Someone tried to change or delete an audit row."""


@event.listens_for(AuditEvent, "before_update")
def _no_update(mapper, connection, target) -> None:
    raise AuditTamper(f"audit event {target.id} is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(mapper, connection, target) -> None:
    raise AuditTamper(f"audit event {target.id} is append-only")
