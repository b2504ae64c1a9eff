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

The claim loop is `services/delivery_loop.py`, its group commit `services/delivery_commit.py`, the shared rate
`services/delivery_rate.py`. A send that fails before its request leaves (no access token: Redis down) is
`NotSent`: back to `pending`, never `unconfirmed`; one that found no connection is retried with backoff. A request
that left and got no answer within WECHAT_HTTP_TIMEOUT is `MaybeSent`: `unconfirmed`, never resent (WeChat may
deliver it late). TEMPLATESENDJOBFINISH / MASSSENDJOBFINISH settle rows (`services/delivery_reports.py`).

Several processes (`processes` > 1, `services/delivery_pool.py`): the per-row claim above is a conditional UPDATE,
so processes sharing a publication cannot both win a row. This process resolves `sending` rows and sends the mass
batches first, alone; then it and its helpers each take the rows whose id falls in their shard (id mod n), and when
every helper has exited it marks what a dead helper left `sending` unconfirmed and sends whatever is still pending.
Helpers are started by the `launch` the entry point passes (`scheduler/delivery_helpers.py`): services never build
the app.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from threading import Event

from sqlalchemy import func, insert, select, update

import logs
from extensions import db
from models import Delivery, Follower, MassJob, Publication
from models.publication import Channel, DeliveryStatus, MassJobStatus, Strategy
from services import DeliveryError, QuotaExhausted, TransientError, delivery_pool
from services.delivery_loop import PAGE, RETRYABLE, _pending, run_each
from services.delivery_reports import resolve_interrupted
from services.delivery_types import Message, Outcome, Progress, Settings
from services.followers import SERVICE_WINDOW
from services.sender import Sender

log = logs.get(__name__)

MASS_MAX, MASS_MIN = 10_000, 2          # message/mass/send takes 2..10 000 openids (mass-send doc)
__all__ = ["RETRYABLE", "Message", "Outcome", "Progress", "Settings", "mass_batches", "prepare", "run", "run_each"]

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
            rows += [dict(publication_id=pub.id, openid=o, channel=Channel.MASS, status=DeliveryStatus.PENDING,
                          attempts=0, batch_no=no, created_at=now) for o in batch]
    else:  # one message per follower (also the lone recipient of a mass send: WeChat needs two openids)
        in_window = set(db.session.scalars(select(Follower.openid).where(
            Follower.last_inbound_at > now - SERVICE_WINDOW)))
        rows += [dict(publication_id=pub.id, openid=o, channel=Channel.CUSTOM if o in in_window else Channel.TEMPLATE,
                      status=DeliveryStatus.PENDING, attempts=0, created_at=now) for o in recipients]
    for start in range(0, len(rows), PAGE):
        db.session.execute(insert(Delivery), rows[start:start + PAGE])


# --- running -----------------------------------------------------------------------------------------------------
def run(pub: Publication, *, sender: Sender, settings: Settings, clock: Callable[[], datetime],
        stop: Event | None = None, launch: delivery_pool.Launch | None = None) -> Progress:
    """Deliver every pending row of `pub` (mass batches first). Returns when done or when `stop` is set. With
    `settings.processes` > 1 and a `launch` (the entry point's way to start a helper process), helpers share it."""
    stop = stop or Event()
    progress = Progress()
    resolved = resolve_interrupted(Delivery.publication_id == pub.id, Delivery.channel != Channel.MASS)
    db.session.commit()
    if resolved:
        log.warning("interrupted sends marked unconfirmed, not resent", publication=pub.id, n=resolved)
    _run_mass(pub, sender=sender, clock=clock, progress=progress, stop=stop)
    helpers = None
    if launch is not None and settings.processes > 1 and not stop.is_set() \
            and _pending_count(pub.id) >= settings.processes * settings.workers:
        helpers = delivery_pool.start(pub.id, settings=settings, launch=launch)
    run_each(pub, sender=sender, settings=settings, clock=clock, progress=progress, stop=stop,
             shard=helpers.shard if helpers else None)
    if helpers:
        helpers.join(stop=stop, progress=progress)      # forwards `stop`; a dead helper's claims become unconfirmed
        run_each(pub, sender=sender, settings=settings, clock=clock, progress=progress, stop=stop)
    progress.stopped = stop.is_set()
    return progress


def _run_mass(pub: Publication, *, sender: Sender, clock, progress: Progress, stop: Event) -> None:
    text = Message.of(pub).text()
    jobs = db.session.scalars(select(MassJob).where(MassJob.publication_id == pub.id, MassJob.status == MassJobStatus.PENDING)
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
            job.status, job.errcode = MassJobStatus.FAILED, exc.errcode
            _mark_batch(pub.id, job.batch_no, status=status, reason=f"errcode {exc.errcode}", errcode=exc.errcode)
            progress.failed += len(openids)
            db.session.commit()
            continue
        now = clock()
        job.status, job.msg_id, job.submitted_at = MassJobStatus.SUBMITTED, msg_id, now
        _mark_batch(pub.id, job.batch_no, status=DeliveryStatus.SENT, sent_at=now, msgid=msg_id)
        db.session.commit()
        progress.sent += len(openids)
        log.info("mass batch submitted", publication=pub.id, batch=job.batch_no, n=len(openids))


def _mark_batch(publication_id: int, batch_no: int, **values) -> None:
    db.session.execute(update(Delivery).where(
        Delivery.publication_id == publication_id, Delivery.batch_no == batch_no,
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])).values(**values))


def _pending_count(publication_id: int) -> int:
    return db.session.scalar(select(func.count(Delivery.id)).where(*_pending(publication_id, None))) or 0
