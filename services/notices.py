"""Notices a feature could not deliver by any WeChat channel: shown the next time the follower writes.

A status change on a case, a sampling result for a voter: when neither a customer-service message (48-hour window)
nor a template/subscription message reaches the follower, the text is kept here and prepended to their next reply.
"""
from __future__ import annotations

from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import select, update

from extensions import db, redis
from models import Follower
from models.notice import PendingNotice
from services import keys


def defer(*, openid: str, text: str, source: str, now: datetime) -> PendingNotice:
    """Keep `text` for the follower's next message. `source` names the feature and object, e.g. `case:TS…`."""
    notice = PendingNotice(openid=openid, text=text, source=source[:64], created_at=now)
    db.session.add(notice)
    db.session.execute(update(Follower).where(Follower.openid == openid).values(has_notices=True))
    db.session.flush()
    try:
        redis.delete(keys.follower_fresh(openid))   # the next message reads the row and finds the notice
    except RedisError:
        pass                                        # Redis down: no marker is trusted either
    return notice


def take(*, follower: Follower, now: datetime) -> list[str]:
    """Mark the follower's undelivered notices shown and return their texts, oldest first (caller commits).

    The follower row's flag spares the common case (nothing waiting) a query per message."""
    if not follower.has_notices:
        return []
    follower.has_notices = False
    openid = follower.openid
    rows = db.session.scalars(
        select(PendingNotice).where(PendingNotice.openid == openid, PendingNotice.shown_at.is_(None))
        .order_by(PendingNotice.id)).all()
    for row in rows:
        row.shown_at = now
    return [row.text for row in rows]
