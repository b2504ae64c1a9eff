"""Conversation drafts in the database: the durable copy of each follower's flow state.

The flow engine (`bot.conversation`) keeps a follower's state — the form being filled and any parked drafts — as
one JSON value in Redis (`keys.conversation`) and, in the same request, here (`keep`; the edge commits). Redis is
the fast working copy; this table is the truth after a Redis restart or flush: when Redis has no state and the
follower's freshness marker is gone too (so Redis lost its data, or the follower has not written for minutes), the
engine reads `find` and writes the state back. An unsubscribe erases both copies at once (`erase`), with the
follower's other personal data; expired rows are removed by `purge_expired` (a scheduler job).
"""
from __future__ import annotations

from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import delete, select

import logs
from extensions import db, redis
from models.draft import ConversationDraft
from services import followers, keys

log = logs.get(__name__)


def keep(*, openid: str, state: str, expires_at: datetime, now: datetime) -> None:
    """Write (or replace) the follower's draft state; flushed, committed by the edge."""
    row = db.session.get(ConversationDraft, openid)
    if row is None:
        db.session.add(ConversationDraft(openid=openid, state=state, expires_at=expires_at, updated_at=now))
    else:
        row.state, row.expires_at, row.updated_at = state, expires_at, now
    db.session.flush()


def find(*, openid: str, now: datetime) -> str | None:
    """The follower's stored draft state, unless it has expired."""
    return db.session.scalar(select(ConversationDraft.state).where(ConversationDraft.openid == openid,
                                                                   ConversationDraft.expires_at > now))


def drop(*, openid: str) -> None:
    """Forget the follower's draft state (the flow ended and nothing is parked)."""
    db.session.execute(delete(ConversationDraft).where(ConversationDraft.openid == openid))


def purge_expired(*, now: datetime) -> int:
    """Delete drafts past their expiry (they hold names and phone numbers); returns how many."""
    result = db.session.execute(delete(ConversationDraft).where(ConversationDraft.expires_at <= now))
    return result.rowcount or 0


@followers.on_unsubscribe
def erase(openid: str, now: datetime) -> None:
    """An unsubscribe erases the follower's drafts at once, in the database and in Redis (DESIGN §5)."""
    drop(openid=openid)
    try:
        redis.delete(keys.conversation(openid))
    except RedisError:       # the database copy is gone; the Redis copy expires with its TTL
        log.warning("draft erase in redis failed")
