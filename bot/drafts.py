"""Where the flow engine keeps a follower's conversation: one `State` per follower, in Redis and in the database.

`State` holds the active flow (name, step, data, the last question asked, a pending "这是…吗？" candidate, whether
a resume offer is open) and the parked drafts by flow name, each with its own expiry. `store` writes the same JSON to
Redis (`keys.conversation`, expiring a day after the last draft, so a late message can be told it expired) and to
the database (`services.drafts`, committed by the edge with the rest of the request). `current` is what the router
reads: the state `bot.inbox.claim` fetched with the lock — or, when Redis has nothing and the follower's freshness
marker is gone as well (a Redis restart or flush empties both), the database copy, written back to Redis.
With Redis unreachable the database copy is read, so flow input is never mistaken for a question.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

import logs
from extensions import db, redis
from services import drafts as stored
from services import keys
from services.clock import utcnow

log = logs.get(__name__)


@dataclass
class State:
    flow: str | None
    step: str | None
    data: dict[str, Any]
    expires_at: float                             # epoch seconds: the active flow's timeout
    asked: str | None = None                      # the last question put (继续 repeats it)
    pending: str | None = None                    # a question-like answer waiting for "是"
    offered: bool = False                         # a parked draft was just offered back (继续 / 重新开始)
    parked: dict[str, dict[str, Any]] = field(default_factory=dict)   # flow name → step, data, asked, expires_at

    def set_active(self, flow: str | None, step: str | None, data: dict, asked: str | None,
                   expires_at: float) -> None:
        self.flow, self.step, self.data, self.asked = flow, step, data, asked
        self.expires_at, self.pending, self.offered = expires_at, None, False
        if flow is None:
            self.data, self.asked = {}, None

    def park(self) -> None:
        """Move the active draft to the parked ones; it keeps its own expiry."""
        if self.flow and self.step:
            self.parked[self.flow] = {"step": self.step, "data": self.data, "asked": self.asked,
                                      "expires_at": self.expires_at}
        self.set_active(None, None, {}, None, self.expires_at)

    def unpark(self, flow: str) -> None:
        draft = self.parked.pop(flow)
        self.set_active(flow, draft["step"], draft["data"], draft.get("asked"), draft["expires_at"])

    def until(self) -> float:
        times = [d["expires_at"] for d in self.parked.values()] + ([self.expires_at] if self.flow else [])
        return max(times, default=0.0)

    def empty(self) -> bool:
        return self.flow is None and not self.parked


def _read(raw: str | None) -> State | None:
    if not raw:
        return None
    try:
        return State(**json.loads(raw))
    except (TypeError, ValueError):               # written by an incompatible version: treated as lost
        log.warning("conversation state unreadable")
        return None


def parse(raw: str | None) -> State | None:
    """The active flow's state (as `bot.inbox.claim` read it along with the lock), or None when no flow is active."""
    state = _read(raw)
    return state if state is not None and state.flow else None


def expired(state: State, now: datetime) -> bool:
    return now.timestamp() > state.expires_at


def _database_copy(openid: str, now: datetime) -> str | None:
    """The database copy, or None when the database cannot be read: a follow, a menu tap or a question must still be
    answered during a database outage (the draft, if any, is found again once the database is back)."""
    try:
        return stored.find(openid=openid, now=now)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("conversation draft unreadable: database unavailable")
        return None


def _stored_copy(openid: str, now: datetime) -> str | None:
    raw = _database_copy(openid, now)
    if raw is not None:
        log.info("conversation restored from database")
    return raw


def current(openid: str, claim: Any, *, now: datetime) -> State | None:
    """The active state for this message: the claim's read, else the database copy after Redis lost it."""
    if claim is None:                              # Redis unreachable: the database copy, read-only
        try:
            raw = redis.get(keys.conversation(openid))
        except RedisError:
            return parse(_database_copy(openid, now))
        return parse(raw)
    raw = claim.conversation
    if raw is None and not claim.fresh:
        raw = _stored_copy(openid, now)
        if raw is not None:
            state = _read(raw)
            if state is not None:
                _write_redis(openid, raw, state, now)
    return parse(raw)


def load(openid: str) -> State | None:
    return parse(redis.get(keys.conversation(openid)))


def record(openid: str, *, now: datetime) -> State:
    """The whole state (active and parked) for a change; an empty one when there is none."""
    state = _read(redis.get(keys.conversation(openid)))
    return state if state is not None else State(flow=None, step=None, data={}, expires_at=0.0)


def _write_redis(openid: str, raw: str, state: State, now: datetime) -> None:
    ttl = max(int(state.until() - now.timestamp()), 1) + keys.CONVERSATION_GRACE
    redis.set(keys.conversation(openid), raw, ex=ttl)


def store(openid: str, state: State, *, now: datetime) -> None:
    """Write the state to Redis and to the database (flushed; the edge commits), or remove both when empty."""
    if state.empty():
        redis.delete(keys.conversation(openid))
        stored.drop(openid=openid)
        return
    raw = json.dumps(asdict(state), ensure_ascii=False, default=str)
    _write_redis(openid, raw, state, now)
    # `now` is naive UTC (services.clock); timestamps are compared on the same footing, so only the difference counts
    left = timedelta(seconds=state.until() - now.timestamp() + keys.CONVERSATION_GRACE)
    stored.keep(openid=openid, state=raw, expires_at=now + left, now=now)


def clear(openid: str, now: datetime | None = None) -> None:
    """End the active flow; parked drafts stay."""
    now = now or utcnow()
    state = record(openid, now=now)
    state.set_active(None, None, {}, None, 0.0)
    store(openid, state, now=now)
