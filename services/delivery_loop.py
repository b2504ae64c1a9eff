"""The claim loop of one-by-one delivery: page the pending rows, claim a round, hand it to worker threads, repeat.

Only this (calling) thread touches the database; workers make one HTTP call each (`send_one`). Each round asks
three things before claiming: may a request leave now (`sender.ready()`: the access token is at hand — else no row
is claimed and the loop backs off), how many workers are free, and how many sends the shared rate allows
(`services/delivery_rate.py`). Marks and claims of a round are written together (`services/delivery_commit.py`).

A send that fails before its request leaves (`NotSent`: the token unreadable, Redis down) goes back to `pending`
with a backoff, no attempt used; a request that left without an answer (`MaybeSent`: a read timeout) and an
unexpected error in a worker make the row `unconfirmed` (it may have been sent: never resent);
a database error pauses the loop and the round is written again when the database answers (up to DB_PATIENCE).
"""
from __future__ import annotations

import secrets
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from threading import Event

from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

import logs
from extensions import db
from models import Delivery
from models.publication import Channel, DeliveryStatus
from services import (
    DeliveryError,
    MaybeSent,
    NotFollowing,
    NotSent,
    OutsideWindow,
    QuotaExhausted,
    TransientError,
)
from services.delivery_commit import NOT_SENT, GroupCommitter
from services.delivery_rate import RateLimiter
from services.delivery_types import Message, Outcome
from services.sender import Sender

log = logs.get(__name__)

RETRYABLE = {-1, 45009}                 # system busy, API frequency limit: back off and retry
PAGE = 2000
GATHER = 0.02                           # seconds to gather finished sends into one commit
MAX_PAUSE = 30.0                        # seconds: the longest wait for the token or the database
DB_PATIENCE = 300.0                     # seconds of a database that keeps failing before the run gives up


class Backoff:
    """Doubling pauses while something is unavailable; `ok()` resets them; `give_up` after `patience` seconds."""

    def __init__(self, first: float, patience: float = DB_PATIENCE) -> None:
        self.first, self.patience, self.n, self.since = first, patience, 0, 0.0

    def fail(self) -> float:
        if not self.n:
            self.since = time.monotonic()
        self.n += 1
        return min(self.first * 2 ** (self.n - 1), MAX_PAUSE)

    def ok(self) -> None:
        self.n = 0

    @property
    def give_up(self) -> bool:
        return bool(self.n) and time.monotonic() - self.since > self.patience


def run_each(pub, *, sender: Sender, settings, clock, progress, stop: Event,
             shard: tuple[int, int] | None = None, run_id: str | None = None) -> None:
    """Claim → send → mark over the pending rows of `pub` (of `shard` = (k, n): ids ≡ k mod n) until none is left,
    or `stop` is set (unclaimed rows stay pending; in-flight sends finish and are marked)."""
    loop = ClaimLoop(pub, sender=sender, settings=settings, clock=clock, progress=progress, stop=stop, shard=shard,
                     run_id=run_id)
    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix=f"pub{pub.id}") as pool:
        loop.run(pool)


class ClaimLoop:
    """One process's (or shard's) rounds over a publication's pending rows."""

    def __init__(self, pub, *, sender: Sender, settings, clock, progress, stop: Event,
                 shard: tuple[int, int] | None, run_id: str | None) -> None:
        self.pub_id, self.message = pub.id, Message.of(pub)
        self.sender, self.settings, self.clock, self.stop, self.shard = sender, settings, clock, stop, shard
        self.committer = GroupCommitter(run_id or secrets.token_hex(8), settings=settings, clock=clock,
                                        progress=progress)
        self.limiter = RateLimiter(settings.rate, publication_id=pub.id, processes=settings.processes)
        self.token_wait, self.db_wait = Backoff(max(settings.backoff, 0.05)), Backoff(max(settings.backoff, 0.05))
        self.queue: deque[tuple[int, str, str]] = deque()
        self.inflight: dict[Future, int] = {}
        self.pause_until = 0.0

    def run(self, pool: ThreadPoolExecutor) -> None:
        while True:
            try:
                if self._drained():
                    return
                if not self.queue and not self.inflight:
                    continue                             # waited for the next retry: page again
                self._claim_round(pool)
                self.db_wait.ok()
            except SQLAlchemyError as exc:
                self._database_failed(exc)
            if not self.inflight and self.stop.is_set() and not self.committer.finished:
                return                                   # stopped: unclaimed rows stay pending for the next run
            if not self.inflight:
                self.stop.wait(max(0.0, min(self.pause_until - time.monotonic(), MAX_PAUSE)) or self.limiter.pause())
                continue
            self._collect()

    def _drained(self) -> bool:
        """Page in pending rows; with none due and nothing in flight, write what is left and wait for the next
        retry — True when there is none (or we are stopping)."""
        if not self.queue and not self.stop.is_set():
            self.queue.extend(_pending_page(self.pub_id, self.clock(), self.shard))
        if self.queue or self.inflight:
            return False
        self.committer.commit([])
        wait_for = _next_retry(self.pub_id, self.shard)
        self.db_wait.ok()
        if wait_for is None or self.stop.is_set():
            return True
        self.stop.wait(max(0.0, min((wait_for - self.clock()).total_seconds(), 60.0)))
        return False

    def _claim_round(self, pool: ThreadPoolExecutor) -> None:
        """Claim as many rows as free workers, the token and the shared rate allow; hand each to a worker."""
        paused = time.monotonic() < self.pause_until or self.stop.is_set()
        free = 0 if paused else min(self.settings.workers - len(self.inflight), len(self.queue))
        if free and not _ready(self.sender):
            self.pause_until, free = time.monotonic() + self.token_wait.fail(), 0
        elif free:
            self.token_wait.ok()
        batch = [self.queue.popleft() for _ in range(self.limiter.take(free))]
        for row_id, openid, channel in self.committer.commit(batch):
            self.inflight[pool.submit(send_one, self.sender, self.message, self.settings.template_id, row_id,
                                      openid, channel)] = row_id

    def _database_failed(self, exc: SQLAlchemyError) -> None:
        db.session.rollback()
        self.queue.clear()                               # re-read after the outage: this round's claims did not happen
        if self.db_wait.give_up or (self.stop.is_set() and not self.inflight):
            raise exc
        pause = self.db_wait.fail()
        log.warning("delivery paused: database error", publication=self.pub_id, error=type(exc).__name__,
                    pause=pause)
        self.pause_until = time.monotonic() + pause

    def _collect(self) -> None:
        """Wait for a send to finish, gather those that finish meanwhile (group commit), queue their marks."""
        wait(list(self.inflight), timeout=0.5, return_when=FIRST_COMPLETED)
        time.sleep(GATHER)                               # group commit: let more sends finish, mark them together
        done = [future for future in self.inflight if future.done()]
        finished = [future.result() for future in done]
        for future in done:
            self.inflight.pop(future)
        self.committer.add(finished)
        if any(o.errcode in RETRYABLE for o in finished):
            self.pause_until = time.monotonic() + self.settings.backoff   # WeChat says slow down: pause claims


def _ready(sender: Sender) -> bool:
    """The token is at hand: claim rows only if their requests could leave now."""
    try:
        sender.ready()
        return True
    except NotSent as exc:
        log.warning("delivery paused: no access token", error=str(exc))
        return False


def _pending(publication_id: int, shard: tuple[int, int] | None) -> list:
    where = [Delivery.publication_id == publication_id, Delivery.status == DeliveryStatus.PENDING,
             Delivery.channel != Channel.MASS]
    return where + ([Delivery.id % shard[1] == shard[0]] if shard else [])


def _pending_page(publication_id: int, now: datetime, shard: tuple[int, int] | None) -> list[tuple[int, str, str]]:
    rows = db.session.execute(select(Delivery.id, Delivery.openid, Delivery.channel).where(
        *_pending(publication_id, shard), or_(Delivery.not_before.is_(None), Delivery.not_before <= now))
        .order_by(Delivery.id).limit(PAGE))
    return [tuple(r) for r in rows]


def _next_retry(publication_id: int, shard: tuple[int, int] | None) -> datetime | None:
    return db.session.scalar(select(Delivery.not_before).where(*_pending(publication_id, shard))
                             .order_by(Delivery.not_before).limit(1))


def send_one(sender: Sender, message, template_id: str, row_id: int, openid: str, channel: str):
    """One follower, one HTTP call (two when the CS window turned out closed). Runs in a worker thread."""
    try:
        if channel == Channel.CUSTOM:
            try:
                sender.news(openid, title=message.title, description=message.summary, url=message.url,
                            image=message.image)
                return Outcome(row_id, DeliveryStatus.SENT, Channel.CUSTOM)
            except (OutsideWindow, QuotaExhausted) as exc:
                if exc.errcode == 45009:
                    raise
                channel = Channel.TEMPLATE        # 45015 / 45047: the window closed meanwhile
        msgid = sender.template(openid, template_id=template_id, data=message.template_data(), url=message.url)
        return Outcome(row_id, DeliveryStatus.SENT, channel, msgid=msgid)
    except NotSent:
        return Outcome(row_id, DeliveryStatus.PENDING, channel, reason=NOT_SENT)
    except MaybeSent:                         # the request left and no answer came: WeChat may have delivered it
        return Outcome(row_id, DeliveryStatus.UNCONFIRMED, channel, reason="no_answer")
    except NotFollowing as exc:
        return Outcome(row_id, DeliveryStatus.FILTERED, channel, errcode=exc.errcode, reason="not_following")
    except DeliveryError as exc:
        if isinstance(exc, TransientError) or exc.errcode in RETRYABLE:
            return Outcome(row_id, DeliveryStatus.PENDING, channel, errcode=exc.errcode, reason="retry")
        return Outcome(row_id, DeliveryStatus.FAILED, channel, errcode=exc.errcode, reason=f"errcode {exc.errcode}")
    except Exception as exc:  # noqa: BLE001 — last resort: the send may have left, so unconfirmed
        log.error("send ended in an unexpected error", publication_row=row_id, error=type(exc).__name__)
        return Outcome(row_id, DeliveryStatus.UNCONFIRMED, channel, reason="error")
