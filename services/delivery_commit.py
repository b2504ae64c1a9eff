"""Group commit for one-by-one delivery: the marks of finished sends and the claims of the next rows, one transaction.

Each round of the claim loop (`services/delivery_loop.py`) hands over what finished since the last round and the rows
it is about to send. `commit` writes the marks (one UPDATE per kind of outcome; the template sends' msgids row by row
in one executemany, for TEMPLATESENDJOBFINISH), claims the rows (a conditional UPDATE: a row another run claimed is
skipped), commits once, and returns the rows this run won. Nothing is claimed that is not handed to a worker at once.

A database error rolls the round back and keeps the outcomes for the next round: a send that happened is never
forgotten because the database blinked (its row stays `sending` only if the database stays away until the process
stops — then it becomes `unconfirmed`, the truth). Counts reach `Progress` only once committed.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from extensions import db
from models import Delivery
from models.publication import DeliveryStatus
from services.delivery_reports import resolve_interrupted

NOT_SENT = "not_sent"                    # Outcome.reason: failed before the request left; pending, no attempt used
MAX_DELAY = 60.0                         # seconds: the longest backoff of a row
ATTEMPT_BACK = Delivery.attempts - 1     # a NOT_SENT claim gives its attempt back (one expression: one UPDATE)


class GroupCommitter:
    def __init__(self, run_id: str, *, settings, clock: Callable[[], datetime], progress) -> None:
        self.run_id, self.settings, self.clock, self.progress = run_id, settings, clock, progress
        self.finished: list = []                 # Outcomes not yet written
        self.attempts: dict[int, int] = {}       # row id → attempts, as of its claim

    def add(self, outcomes: list) -> None:
        self.finished.extend(outcomes)

    def commit(self, batch: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
        """Write the gathered marks and claim `batch`, in one transaction; returns the rows won (id, openid,
        channel). On a database error nothing is kept of the round but the outcomes, which the next round writes."""
        counts: dict[str, int] = {}
        try:
            self._mark(counts)
            won = self._claim(batch)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        for outcome in self.finished:
            self.attempts.pop(outcome.id, None)
        self.finished = []
        for name, n in counts.items():
            setattr(self.progress, name, getattr(self.progress, name) + n)
        self.attempts.update(won)
        return [row for row in batch if row[0] in won]

    def _claim(self, batch: list[tuple[int, str, str]]) -> dict[int, int]:
        if not batch:
            return {}
        ids = [row[0] for row in batch]
        claim = (update(Delivery).where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.PENDING)
                 .values(status=DeliveryStatus.SENDING, claim=self.run_id, attempts=Delivery.attempts + 1))
        if db.engine.dialect.update_returning:
            return dict(db.session.execute(claim.returning(Delivery.id, Delivery.attempts)).all())
        db.session.execute(claim)
        return dict(db.session.execute(select(Delivery.id, Delivery.attempts).where(
            Delivery.id.in_(ids), Delivery.claim == self.run_id, Delivery.status == DeliveryStatus.SENDING)).all())

    def _mark(self, counts: dict[str, int]) -> None:
        """What the sends did: sent (with the template msgid), filtered, failed; transient failures back to pending
        with a backoff (failed after `max_attempts`); `NOT_SENT` back to pending without using an attempt."""
        if not self.finished:
            return
        now, settings = self.clock(), self.settings
        groups: dict[tuple, list[int]] = {}
        with_msgid: list[dict] = []
        unknown: list[int] = []
        for o in self.finished:
            tries = self.attempts.get(o.id, 1)
            values: tuple = (("status", o.status), ("channel", o.channel), ("errcode", o.errcode),
                             ("reason", o.reason))
            if o.status == DeliveryStatus.SENT:
                counts["sent"] = counts.get("sent", 0) + 1
                if o.msgid:
                    with_msgid.append({"id": o.id, "status": o.status, "channel": o.channel, "sent_at": now,
                                       "reason": None, "msgid": o.msgid[:32]})
                    continue
                values = (("status", o.status), ("channel", o.channel), ("sent_at", now), ("reason", None))
            elif o.status == DeliveryStatus.PENDING and o.reason == NOT_SENT:
                delay = timedelta(seconds=settings.backoff)
                values = (("status", o.status), ("not_before", now + delay), ("claim", None),
                          ("attempts", ATTEMPT_BACK), ("reason", NOT_SENT))
                counts["retried"] = counts.get("retried", 0) + 1
            elif o.status == DeliveryStatus.PENDING and tries >= settings.max_attempts:
                values = (("status", DeliveryStatus.FAILED), ("errcode", o.errcode),
                          ("reason", f"errcode {o.errcode}"))
                counts["failed"] = counts.get("failed", 0) + 1
            elif o.status == DeliveryStatus.PENDING:
                delay = timedelta(seconds=min(settings.backoff * 2 ** tries, MAX_DELAY))
                values = (("status", o.status), ("errcode", o.errcode), ("not_before", now + delay), ("claim", None))
                counts["retried"] = counts.get("retried", 0) + 1
            elif o.status == DeliveryStatus.FILTERED:
                counts["filtered"] = counts.get("filtered", 0) + 1
            elif o.status == DeliveryStatus.UNCONFIRMED:
                unknown.append(o.id)             # may have been sent: WeChat's report decides, else unconfirmed
                continue
            else:
                counts["failed"] = counts.get("failed", 0) + 1
            groups.setdefault(values, []).append(o.id)
        for values, ids in groups.items():
            db.session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(dict(values)))
        if with_msgid:
            db.session.execute(update(Delivery), with_msgid)
        if unknown:
            resolve_interrupted(Delivery.id.in_(unknown))
