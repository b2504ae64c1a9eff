"""The scheduler lease: at most one scheduler process acts at a time, however many are started.

A row in `scheduler_leases` names the holder and an expiry. The holder renews it every third of its lifetime;
anyone else takes it only once it has expired. Every step is one conditional statement, so two processes racing
for it cannot both win (works the same on SQLite and PostgreSQL; no Redis needed, so the embedded fakeredis —
which is per-process — cannot fool it).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, update
from sqlalchemy.exc import IntegrityError, OperationalError

from extensions import db
from models import SchedulerLease

NAME = "scheduler"


def acquire(*, holder: str, now: datetime, ttl: timedelta, name: str = NAME) -> bool:
    """Take or renew the lease; True while `holder` has it until now + ttl."""
    try:
        taken = db.session.execute(update(SchedulerLease).where(
            SchedulerLease.name == name, or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=now + ttl)).rowcount
        if not taken:
            db.session.execute(insert(SchedulerLease).values(name=name, holder=holder, expires_at=now + ttl))
        db.session.commit()
        return True
    except (IntegrityError, OperationalError):  # someone else holds it (or inserted it first / holds the write lock)
        db.session.rollback()
        return False


def release(*, holder: str, name: str = NAME) -> None:
    db.session.execute(delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder))
    db.session.commit()


def holder_of(*, now: datetime, name: str = NAME) -> str | None:
    lease = db.session.get(SchedulerLease, name)
    db.session.commit()
    return lease.holder if lease is not None and lease.expires_at >= now else None
