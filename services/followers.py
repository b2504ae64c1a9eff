"""Followers: subscribe, unsubscribe (with the anonymisation WeChat requires), and the 48-hour service window.

A follow or unfollow that arrives while the database is down is kept (`services/follow_queue.py`) and applied when
it returns (`apply_queued`); `reconcile` repairs the list against WeChat's own (`user/get`)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module

from redis.exceptions import RedisError
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from extensions import db, redis
from models import Follower
from services import follow_queue, keys, notices, tx

# WeChat: a user's message opens a 48-hour customer-service window (customer-service message doc).
SERVICE_WINDOW = timedelta(hours=48)
# A follower's messages write the window's start at most every 5 minutes (keys.FOLLOWER_FRESH_TTL); a stale start
# only closes our window up to 5 minutes early out of 48 hours (safe: we then use a template message instead).
TOUCH_EVERY = timedelta(minutes=5)

# Features register what to erase when a follower leaves; filed cases are kept (DESIGN §5).
_anonymisers: list[Callable[[str, datetime], None]] = []


def on_unsubscribe(fn: Callable[[str, datetime], None]) -> Callable[[str, datetime], None]:
    """Register `fn(openid, now)` to erase a feature's personal data when a follower unsubscribes."""
    _anonymisers.append(fn)
    return fn


def get(openid: str) -> Follower | None:
    return db.session.scalar(select(Follower).where(Follower.openid == openid))


def touch(*, openid: str, now: datetime, inbound: bool = True) -> Follower:
    """Return the follower row, creating it on first contact; record an inbound message time."""
    follower = get(openid)
    if follower is None:
        follower = Follower(openid=openid, subscribed=True, subscribed_at=now, created_at=now)
        db.session.add(follower)
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent first message created it
            db.session.rollback()
            follower = get(openid)
            assert follower is not None
    if inbound and (follower.last_inbound_at is None or now - follower.last_inbound_at >= TOUCH_EVERY):
        follower.last_inbound_at = now
    return follower


# A follower's message: move their window, learn whether notices wait. Core, built once: the ORM's bulk UPDATE
# machinery and building the statement per message were most of this path's CPU. On PostgreSQL and SQLite it is an
# upsert, so a new follower's first message is one statement too (it was UPDATE, SELECT, INSERT and the ORM's flush:
# 27 % of a worker's CPU when new followers each ask a question, issue 12); elsewhere an UPDATE, then `touch`.
_NOTE_INBOUND = (update(Follower.__table__).where(Follower.__table__.c.openid == bindparam("b_openid"))
                 .values(last_inbound_at=bindparam("b_now")).returning(Follower.__table__.c.has_notices))
_UPSERTS: dict[str, object] = {}


def _note_inbound_statement(dialect: str):
    """The one statement that records a message: an upsert where the dialect has one, else the UPDATE."""
    if dialect not in _UPSERTS:
        if dialect in {"postgresql", "sqlite"}:
            module = import_module(f"sqlalchemy.dialects.{dialect}")
            table = Follower.__table__
            stmt = module.insert(table).values(openid=bindparam("b_openid"), subscribed=True, has_notices=False,
                                               subscribed_at=bindparam("b_now"), created_at=bindparam("b_now"),
                                               last_inbound_at=bindparam("b_now"))
            _UPSERTS[dialect] = stmt.on_conflict_do_update(
                index_elements=[table.c.openid], set_={"last_inbound_at": stmt.excluded.last_inbound_at}
            ).returning(table.c.has_notices)
        else:
            _UPSERTS[dialect] = _NOTE_INBOUND
    return _UPSERTS[dialect]


def note_inbound(*, openid: str, now: datetime, fresh: bool | None = None) -> list[str]:
    """Record that the follower wrote (their 48-hour window) and return the notices waiting for them.

    Most messages need no database work: a Redis marker says the row was touched lately and nothing waits
    (`notices.defer` deletes it). `fresh` is the marker's test-and-set already done by the caller
    (`bot.inbox.claim`); None does it here. Without Redis, or after it restarts, the row is simply written again."""
    if fresh is None:
        try:
            fresh = not redis.set(keys.follower_fresh(openid), 1, nx=True, ex=keys.FOLLOWER_FRESH_TTL)
        except RedisError:
            fresh = False
    if fresh:
        return []
    engine = db.engine
    if engine.dialect.update_returning:   # nothing waiting (new or known follower): one statement, its own transaction
        with engine.begin() as connection:   # not the request's ORM session: its machinery doubled this path's CPU
            waiting = connection.execute(_note_inbound_statement(engine.dialect.name),
                                         {"b_openid": openid, "b_now": now}).scalar()
        if waiting is False:
            return []
    return notices.take(follower=touch(openid=openid, now=now), now=now)


def forget_fresh(openid: str) -> None:
    """Make the follower's next message read their row again (after a change the marker would hide)."""
    try:
        redis.delete(keys.follower_fresh(openid))
    except RedisError:
        pass


def subscribe_or_queue(*, openid: str, now: datetime, scene: str | None = None) -> Follower | None:
    """Record a follow and commit it now; with the database down, queue it (returns None) to be applied when it is
    back. The commit is how it learns the database took it (services/tx.py)."""
    try:
        follower = _subscribe(openid=openid, now=now, scene=scene)
        tx.commit()
        return follower
    except SQLAlchemyError:
        db.session.rollback()
        follow_queue.enqueue(action="subscribe", openid=openid, at=now, scene=scene)
        return None


def unsubscribe_or_queue(*, openid: str, now: datetime) -> None:
    """Mark the follower gone and erase their personal data in every feature, filed cases excepted, and commit it
    now; with the database down, queue it to be applied (erasure included) when it is back.

    WeChat's event doc: on unsubscribe the developer should delete the user's information.
    """
    try:
        _unsubscribe(openid=openid, now=now)
        tx.commit()
    except SQLAlchemyError:
        db.session.rollback()
        follow_queue.enqueue(action="unsubscribe", openid=openid, at=now)


def _subscribe(*, openid: str, now: datetime, scene: str | None = None) -> Follower:
    # A follow opens WeChat's service window for 3 messages within one minute only, not the 48 hours a message
    # opens (wechat-facts §customer-service window): it does not count as an inbound message here.
    follower = touch(openid=openid, now=now, inbound=False)
    forget_fresh(openid)
    follower.subscribed = True
    follower.subscribed_at = now
    follower.unsubscribed_at = None
    if scene:
        follower.scene = scene[:64]
    db.session.flush()
    return follower


def _unsubscribe(*, openid: str, now: datetime) -> None:
    follower = touch(openid=openid, now=now, inbound=False)
    forget_fresh(openid)
    follower.subscribed = False
    follower.unsubscribed_at = now
    follower.scene = None
    follower.last_inbound_at = None
    for erase in _anonymisers:
        erase(openid, now)
    db.session.flush()


def apply_queued() -> int:
    """Apply the follows and unfollows kept during a database outage, oldest first; an event older than the
    follower's last recorded change is skipped (a later live event wins). Returns events taken off the queue."""
    return follow_queue.drain(_apply_or_queue)


def _apply_or_queue(event: dict) -> None:
    """Apply one queued event and commit it before the drain takes it off the queue; if the database refuses, the
    exception leaves it queued for the next run."""
    openid, at = str(event["openid"]), datetime.fromisoformat(event["at"])
    follower = get(openid)
    changes = [t for t in (follower.subscribed_at, follower.unsubscribed_at) if t] if follower else []
    if changes and at < max(changes):
        return
    if event["action"] == "subscribe":
        _subscribe(openid=openid, now=at, scene=event.get("scene"))
    else:
        _unsubscribe(openid=openid, now=at)
    tx.commit()


def reconcile(*, total: int, openids: list[str], now: datetime) -> tuple[int, int]:
    """Make the follower list match WeChat's (`user/get`, fetched whole by the caller: `total` as WeChat reported
    it, `openids` every page). Followers missing or marked gone are subscribed; followers we hold subscribed that
    WeChat does not list are unsubscribed (erasure included) — only when the listing is complete, and never one whose
    follow we recorded after `now` (the listing's start). Returns (added, removed). The job commits the whole
    repair once."""
    listed = set(openids)
    if len(listed) != total:
        raise ValueError(f"incomplete follower listing: {len(listed)} of {total}")
    ours = dict(db.session.execute(select(Follower.openid, Follower.subscribed)).all())
    added = [o for o in listed if not ours.get(o)]
    for openid in added:
        _subscribe(openid=openid, now=now)
    held = db.session.scalars(select(Follower.openid).where(
        Follower.subscribed.is_(True), (Follower.subscribed_at < now) | Follower.subscribed_at.is_(None)))
    removed = [o for o in held if o not in listed]
    for openid in removed:
        _unsubscribe(openid=openid, now=now)
    return len(added), len(removed)


def in_service_window(follower: Follower | None, now: datetime) -> bool:
    """True when a customer-service message may be sent (the follower wrote within 48 hours)."""
    return bool(follower and follower.subscribed and follower.last_inbound_at
                and now - follower.last_inbound_at < SERVICE_WINDOW)


def is_following(openid: str) -> bool:
    follower = get(openid)
    return bool(follower and follower.subscribed)
