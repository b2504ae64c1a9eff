"""Delivering one publication to its recipients exactly once, resumably.

Rows first: `prepare` writes one `Delivery` per recipient (unique on publication + openid) in the same transaction
that moves the publication to `sending`, so a crash leaves either nothing or the full list.

Mass send (`channel="mass"`): recipients are split into `MassJob` batches of 2..10 000 openids, each with a
`clientmsgid` derived from (publication, batch), so re-sending a batch after a crash is deduplicated by WeChat
(45065 returns the earlier msg_id; mass-send doc) — that window is closed.

One message per follower (`custom` in the 48-hour window, else `template`): a pool of worker threads sends; only
the calling thread touches the database. The rule, per recipient:

    claim   UPDATE … SET status='sending' WHERE status='pending'     committed BEFORE the send
    send    one HTTP call (a worker thread)
    mark    UPDATE … SET status='sent' | 'failed' | 'pending'(retry)  committed as soon as the call returns

Claims and marks of all workers are committed together (group commit), so the rows claimed at any moment are
those on their way to a worker that is about to send them. After a crash, rows still `sending` are marked
`unconfirmed` and NEVER resent: WeChat has no dedup for template/CS messages, and a row is `sending` mostly while
its HTTP call is in flight (when WeChat has usually delivered). The price: a hard kill (SIGKILL, power loss) can
lose at most one message per worker — one whose claim was committed but whose request had not yet left the process
— and it shows as `unconfirmed` in the report. It can never double one. SIGTERM (`stop`) loses nothing: no new
claims, in-flight sends finish and are marked, the rest stay `pending` for the next run.

Several processes (`processes` > 1, `services/delivery_pool.py`): the per-row claim above is a conditional UPDATE,
so processes sharing a publication cannot both win a row. This process resolves `sending` rows and sends the mass
batches first, alone; then it and its helpers each take the rows whose id falls in their shard (id mod n), and when
every helper has exited it marks what a dead helper left `sending` unconfirmed and sends whatever is still pending.
"""
from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from threading import Event

from sqlalchemy import func, insert, or_, select, update

import logs
from extensions import db
from models import Delivery, Follower, MassJob, Publication
from models.publication import DeliveryStatus, Strategy
from services import DeliveryError, NotFollowing, OutsideWindow, QuotaExhausted, TransientError, delivery_pool
from services.followers import SERVICE_WINDOW
from services.sender import Sender

log = logs.get(__name__)

MASS_MAX, MASS_MIN = 10_000, 2          # message/mass/send takes 2..10 000 openids (mass-send doc)
RETRYABLE = {-1, 45009}                 # system busy, API frequency limit: back off and retry
PAGE = 2000
GATHER = 0.02                           # seconds to gather finished sends into one commit


@dataclass(frozen=True)
class Settings:
    workers: int = 32
    rate: float = 0.0                   # messages/s over all workers; 0 = as fast as the workers go
    template_id: str = "TPL_PUBLICATION"
    max_attempts: int = 5
    backoff: float = 1.0                # seconds; doubled per attempt, capped at 60
    grace: timedelta = timedelta(hours=6)
    self_approval: bool = False
    preview_openids: tuple[str, ...] = ()
    processes: int = 1                  # delivery processes per publication, this one included (rate: shared)
    app_config: tuple[tuple[str, object], ...] = ()    # what a helper process builds its app from

    @classmethod
    def of(cls, config: Mapping[str, object]) -> Settings:
        return cls(workers=int(config["PUBLICATION_WORKERS"]), rate=float(config["PUBLICATION_RATE"]),
                   processes=max(1, int(str(config.get("PUBLICATION_PROCESSES") or 1))),
                   app_config=delivery_pool.app_config(config),
                   template_id=str(config["PUBLICATION_TEMPLATE_ID"]),
                   grace=timedelta(seconds=int(config["PUBLICATION_GRACE_SECONDS"])),
                   self_approval=bool(config["PUBLICATION_SELF_APPROVAL"]),
                   preview_openids=tuple(o.strip() for o in str(config["PUBLICATION_PREVIEW_OPENIDS"]).split(",")
                                         if o.strip()))


@dataclass(frozen=True)
class Message:
    """What a publication looks like on each channel."""

    kind: str
    title: str
    summary: str
    url: str
    image: str

    @classmethod
    def of(cls, pub: Publication) -> Message:
        return cls(kind=pub.kind, title=pub.title, summary=pub.summary or "", url=pub.link or "",
                   image=pub.cover or "")

    def text(self) -> str:
        tail = f"\n\n详情：{self.url}" if self.url else ""
        return f"【{self.kind}】{self.title}\n\n{self.summary}{tail}".strip()

    def template_data(self) -> dict[str, str]:
        return {"kind": self.kind, "title": self.title, "summary": self.summary[:100]}


@dataclass
class Outcome:
    id: int
    status: str
    channel: str
    msgid: str | None = None
    errcode: int | None = None
    reason: str | None = None


@dataclass
class Progress:
    sent: int = 0
    failed: int = 0
    filtered: int = 0
    retried: int = 0
    stopped: bool = False
    counts: dict[str, int] = field(default_factory=dict)


# --- preparing ---------------------------------------------------------------------------------------------------
def mass_batches(openids: list[str]) -> list[list[str]]:
    """Split into batches of at most MASS_MAX and at least MASS_MIN (a lone last openid joins the one before)."""
    batches = [openids[i:i + MASS_MAX] for i in range(0, len(openids), MASS_MAX)]
    if len(batches) > 1 and len(batches[-1]) < MASS_MIN:
        batches[-2], batches[-1] = batches[-2][:-1], [batches[-2][-1], *batches[-1]]
    return batches


def client_msg_id(publication_id: int, batch_no: int) -> str:
    """Deterministic per batch, so a resend after a crash is deduplicated by WeChat (≤64 bytes)."""
    return f"pub{publication_id}-b{batch_no}"


def prepare(pub: Publication, *, recipients: list[str], filtered: dict[str, str], now: datetime) -> None:
    """Write the delivery rows (and mass batches) for `pub`; `filtered` maps openid → why it is skipped.

    Runs in the caller's transaction, the one that moves `pub` to sending."""
    rows: list[dict] = [dict(publication_id=pub.id, openid=o, channel="none", status=DeliveryStatus.FILTERED,
                             reason=why, attempts=0, created_at=now) for o, why in filtered.items()]
    if pub.strategy == Strategy.MASS and pub.audience == "tag":
        db.session.add(MassJob(publication_id=pub.id, batch_no=1, client_msg_id=client_msg_id(pub.id, 1),
                               tag_id=int(pub.audience_ref or 0), size=0))
    elif pub.strategy == Strategy.MASS and len(recipients) >= MASS_MIN:
        for no, batch in enumerate(mass_batches(recipients), start=1):
            db.session.add(MassJob(publication_id=pub.id, batch_no=no, client_msg_id=client_msg_id(pub.id, no),
                                   size=len(batch)))
            rows += [dict(publication_id=pub.id, openid=o, channel="mass", status=DeliveryStatus.PENDING,
                          attempts=0, batch_no=no, created_at=now) for o in batch]
    else:  # one message per follower (also the lone recipient of a mass send: WeChat needs two openids)
        in_window = set(db.session.scalars(select(Follower.openid).where(
            Follower.last_inbound_at > now - SERVICE_WINDOW)))
        rows += [dict(publication_id=pub.id, openid=o, channel="custom" if o in in_window else "template",
                      status=DeliveryStatus.PENDING, attempts=0, created_at=now) for o in recipients]
    for start in range(0, len(rows), PAGE):
        db.session.execute(insert(Delivery), rows[start:start + PAGE])


# --- running -----------------------------------------------------------------------------------------------------
def run(pub: Publication, *, sender: Sender, settings: Settings, clock: Callable[[], datetime],
        stop: Event | None = None) -> Progress:
    """Deliver every pending row of `pub` (mass batches first). Returns when done or when `stop` is set."""
    stop = stop or Event()
    progress = Progress()
    resolved = db.session.execute(update(Delivery).where(
        Delivery.publication_id == pub.id, Delivery.status == DeliveryStatus.SENDING, Delivery.channel != "mass")
        .values(status=DeliveryStatus.UNCONFIRMED)).rowcount
    db.session.commit()
    if resolved:
        log.warning("interrupted sends marked unconfirmed, not resent", publication=pub.id, n=resolved)
    _run_mass(pub, sender=sender, clock=clock, progress=progress, stop=stop)
    helpers = None
    if settings.processes > 1 and not stop.is_set() and _pending_count(pub.id) >= settings.processes * settings.workers:
        helpers = delivery_pool.start(pub.id, settings=settings)
    run_each(pub, sender=sender, settings=settings, clock=clock, progress=progress, stop=stop,
             shard=helpers.shard if helpers else None)
    if helpers:
        helpers.join(stop=stop, progress=progress)      # forwards `stop`; a dead helper's claims become unconfirmed
        run_each(pub, sender=sender, settings=settings, clock=clock, progress=progress, stop=stop)
    progress.stopped = stop.is_set()
    return progress


def _run_mass(pub: Publication, *, sender: Sender, clock, progress: Progress, stop: Event) -> None:
    text = Message.of(pub).text()
    jobs = db.session.scalars(select(MassJob).where(MassJob.publication_id == pub.id, MassJob.status == "pending")
                              .order_by(MassJob.batch_no)).all()
    for job in jobs:
        if stop.is_set():
            return
        openids = list(db.session.scalars(select(Delivery.openid).where(
            Delivery.publication_id == pub.id, Delivery.batch_no == job.batch_no,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])).order_by(Delivery.openid)))
        try:
            msg_id = sender.mass_text(content=text, openids=openids if job.tag_id is None else None,
                                      tag_id=job.tag_id, client_msg_id=job.client_msg_id)
        except TransientError as exc:
            log.warning("mass batch deferred", publication=pub.id, batch=job.batch_no, errcode=exc.errcode)
            progress.retried += 1
            return                                   # the next push_due resends it; clientmsgid dedups
        except DeliveryError as exc:
            status = DeliveryStatus.FILTERED if isinstance(exc, QuotaExhausted) else DeliveryStatus.FAILED
            job.status, job.errcode = "failed", exc.errcode
            _mark_batch(pub.id, job.batch_no, status=status, reason=f"errcode {exc.errcode}", errcode=exc.errcode)
            progress.failed += len(openids)
            db.session.commit()
            continue
        now = clock()
        job.status, job.msg_id, job.submitted_at = "submitted", msg_id, now
        _mark_batch(pub.id, job.batch_no, status=DeliveryStatus.SENT, sent_at=now, msgid=msg_id)
        db.session.commit()
        progress.sent += len(openids)
        log.info("mass batch submitted", publication=pub.id, batch=job.batch_no, n=len(openids))


def _mark_batch(publication_id: int, batch_no: int, **values) -> None:
    db.session.execute(update(Delivery).where(
        Delivery.publication_id == publication_id, Delivery.batch_no == batch_no,
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])).values(**values))


def run_each(pub: Publication, *, sender: Sender, settings: Settings, clock, progress: Progress,
             stop: Event, shard: tuple[int, int] | None = None, run_id: str | None = None) -> None:
    """The claim → send → mark loop over the pending rows (of `shard` = (k, n): ids ≡ k mod n). Each round commits
    once: the marks of the sends that finished and the claims of the rows about to be sent (so nothing is claimed
    that is not handed to a worker right away)."""
    message = Message.of(pub)
    run_id = run_id or secrets.token_hex(8)
    queue: deque[tuple[int, str, str]] = deque()
    inflight: dict[Future, int] = {}
    attempts: dict[int, int] = {}
    finished: list[Outcome] = []
    pause_until = 0.0
    rate = settings.rate / settings.processes      # PUBLICATION_RATE caps the publication, shared by its processes
    budget, last = 0.0, time.monotonic()
    with ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix=f"pub{pub.id}") as pool:
        while True:
            if not queue and not stop.is_set():
                queue.extend(_pending_page(pub.id, clock(), shard))
            if not queue and not inflight:
                _mark(finished, attempts=attempts, settings=settings, clock=clock, progress=progress)
                db.session.commit()
                finished = []
                wait_for = _next_retry(pub.id, shard)
                if wait_for is None or stop.is_set():
                    return
                stop.wait(max(0.0, min((wait_for - clock()).total_seconds(), 60.0)))
                continue
            now_mono = time.monotonic()
            if rate:
                budget = min(budget + (now_mono - last) * rate, max(rate, 1.0))
            last = now_mono
            free = settings.workers - len(inflight)
            if rate:
                free = min(free, int(budget))
            if now_mono < pause_until or stop.is_set():
                free = 0
            batch = [queue.popleft() for _ in range(min(free, len(queue)))]
            _mark(finished, attempts=attempts, settings=settings, clock=clock, progress=progress)
            finished = []
            for row_id, openid, channel, tries in _claim(batch, run_id):     # commits marks and claims together
                budget -= 1
                attempts[row_id] = tries
                inflight[pool.submit(_send_one, sender, message, settings.template_id, row_id, openid,
                                     channel)] = row_id
            if not inflight and stop.is_set():
                return                               # stopped: unclaimed rows stay pending for the next run
            if not inflight:
                stop.wait(0.05 if not rate else 1.0 / rate)
                continue
            wait(list(inflight), timeout=0.5, return_when=FIRST_COMPLETED)
            time.sleep(GATHER)                       # group commit: let more sends finish, mark them together
            done = [future for future in inflight if future.done()]
            finished = [future.result() for future in done]
            for future in done:
                inflight.pop(future)
            if any(o.errcode in RETRYABLE for o in finished):
                pause_until = time.monotonic() + settings.backoff   # WeChat says slow down: pause new claims


def _pending(publication_id: int, shard: tuple[int, int] | None) -> list:
    where = [Delivery.publication_id == publication_id, Delivery.status == DeliveryStatus.PENDING,
             Delivery.channel != "mass"]
    return where + ([Delivery.id % shard[1] == shard[0]] if shard else [])


def _pending_page(publication_id: int, now: datetime, shard: tuple[int, int] | None) -> list[tuple[int, str, str]]:
    rows = db.session.execute(select(Delivery.id, Delivery.openid, Delivery.channel).where(
        *_pending(publication_id, shard), or_(Delivery.not_before.is_(None), Delivery.not_before <= now))
        .order_by(Delivery.id).limit(PAGE))
    return [tuple(r) for r in rows]


def _pending_count(publication_id: int) -> int:
    return db.session.scalar(select(func.count(Delivery.id)).where(*_pending(publication_id, None))) or 0


def _next_retry(publication_id: int, shard: tuple[int, int] | None) -> datetime | None:
    return db.session.scalar(select(Delivery.not_before).where(*_pending(publication_id, shard))
                             .order_by(Delivery.not_before).limit(1))


def _claim(batch: list[tuple[int, str, str]], run_id: str) -> list[tuple[int, str, str, int]]:
    """Commit the claim of every row in `batch` before any of them is sent; returns (id, openid, channel,
    attempts) for the rows this run won (a row another run claimed first is skipped)."""
    won: dict[int, int] = {}
    if batch:
        claim = (update(Delivery).where(Delivery.id.in_([row[0] for row in batch]),
                                        Delivery.status == DeliveryStatus.PENDING)
                 .values(status=DeliveryStatus.SENDING, claim=run_id, attempts=Delivery.attempts + 1))
        if db.engine.dialect.update_returning:
            won = dict(db.session.execute(claim.returning(Delivery.id, Delivery.attempts)).all())
        else:
            db.session.execute(claim)
            won = dict(db.session.execute(select(Delivery.id, Delivery.attempts).where(
                Delivery.id.in_([row[0] for row in batch]), Delivery.claim == run_id,
                Delivery.status == DeliveryStatus.SENDING)).all())
    db.session.commit()
    return [(*row, won[row[0]]) for row in batch if row[0] in won]


def _send_one(sender: Sender, message: Message, template_id: str, row_id: int, openid: str,
              channel: str) -> Outcome:
    """One follower, one HTTP call (two when the CS window turned out closed). Runs in a worker thread."""
    try:
        if channel == "custom":
            try:
                sender.news(openid, title=message.title, description=message.summary, url=message.url,
                            image=message.image)
                return Outcome(row_id, DeliveryStatus.SENT, "custom")
            except (OutsideWindow, QuotaExhausted) as exc:
                if exc.errcode == 45009:
                    raise
                channel = "template"             # 45015 / 45047: the window closed meanwhile
        msgid = sender.template(openid, template_id=template_id, data=message.template_data(), url=message.url)
        return Outcome(row_id, DeliveryStatus.SENT, channel, msgid=msgid)
    except NotFollowing as exc:
        return Outcome(row_id, DeliveryStatus.FILTERED, channel, errcode=exc.errcode, reason="not_following")
    except DeliveryError as exc:
        if isinstance(exc, TransientError) or exc.errcode in RETRYABLE:
            return Outcome(row_id, DeliveryStatus.PENDING, channel, errcode=exc.errcode, reason="retry")
        return Outcome(row_id, DeliveryStatus.FAILED, channel, errcode=exc.errcode, reason=f"errcode {exc.errcode}")


def _mark(outcomes: list[Outcome], *, attempts: dict[int, int], settings: Settings, clock,
          progress: Progress) -> None:
    """Write what the sends did (the caller commits), one UPDATE per kind of outcome; transient failures go back
    to pending with a backoff, or fail after `max_attempts`."""
    if not outcomes:
        return
    now = clock()
    groups: dict[tuple, list[int]] = {}
    for o in outcomes:
        tries = attempts.pop(o.id, 1)
        values: tuple = (("status", o.status), ("channel", o.channel), ("errcode", o.errcode), ("reason", o.reason))
        if o.status == DeliveryStatus.SENT:
            values = (("status", o.status), ("channel", o.channel), ("sent_at", now), ("reason", None))
            progress.sent += 1
        elif o.status == DeliveryStatus.PENDING and tries >= settings.max_attempts:
            values = (("status", DeliveryStatus.FAILED), ("errcode", o.errcode), ("reason", f"errcode {o.errcode}"))
            progress.failed += 1
        elif o.status == DeliveryStatus.PENDING:
            delay = timedelta(seconds=min(settings.backoff * 2 ** tries, 60.0))
            values = (("status", o.status), ("errcode", o.errcode), ("not_before", now + delay), ("claim", None))
            progress.retried += 1
        elif o.status == DeliveryStatus.FILTERED:
            progress.filtered += 1
        else:
            progress.failed += 1
        groups.setdefault(values, []).append(o.id)
    for values, ids in groups.items():
        db.session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(dict(values)))
