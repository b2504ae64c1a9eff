"""Console sessions ended on the server: logout records the session's id, and a cookie carrying it is refused.

A console session is a signed cookie holding a random `sid` (console.auth). Logging out adds the sid to
`ended_sessions` and audits the logout with the client address, so a copied cookie stops working at once rather
than at its expiry. A password change ends every session of that person by another route (the session stamp follows
the password hash; console.auth). Rows older than the longest session are useless and `purge` removes them.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select

from extensions import db
from models import EndedSession, Staff
from services import audit


def new_sid() -> str:
    return secrets.token_urlsafe(24)


def is_ended(sid: str) -> bool:
    return db.session.scalar(select(EndedSession.sid).where(EndedSession.sid == sid)) is not None


def end(*, sid: str | None, person: Staff | None, ip: str, now: datetime) -> None:
    """End one session and audit the logout (caller commits). Ending an unknown or ended session is a no-op."""
    if not sid or is_ended(sid):
        return
    db.session.add(EndedSession(sid=sid[:43], staff_id=person.id if person else None, ended_at=now))
    if person is not None:
        audit.record(actor=person, action="auth.logout", obj_type="staff", obj_id=person.id, after={"ip": ip},
                     now=now)


def purge(*, before: datetime) -> int:
    """Forget sessions ended before `before` (their cookies have expired by then); returns how many (caller commits)."""
    return db.session.execute(delete(EndedSession).where(EndedSession.ended_at < before)).rowcount or 0
