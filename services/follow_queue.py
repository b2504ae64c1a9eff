"""Follows and unfollows that arrive while the database is down: kept, then applied in order when it returns.

Where they wait: a Redis list (`keys.follow_queue()`) — every web worker can reach it, it outlives a worker, and the
one scheduler drains it. If Redis is down too, a spool file on this host (`SPOOL`, one JSON line per event, appended
and fsynced): the only durable place left; the same job drains it when the database is back (each host that runs
web workers runs the scheduler's drain on its own spool via `apply_queued`; in a one-host deployment that is the
scheduler). WeChat does not re-send a follow we answered, so answering without keeping it would lose it for good.

Applying is order-safe and idempotent: each event carries the time WeChat pushed it, and an event older than the
follower's last recorded change (subscribed_at / unsubscribed_at) is skipped — a later live follow wins over an
older queued unfollow. The periodic `reconcile` against WeChat's follower list (`user/get`) repairs whatever is
still wrong after that.
"""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from redis.exceptions import RedisError

import config
import logs
from extensions import redis
from services import keys

log = logs.get(__name__)

SPOOL = config.INSTANCE / "follow-spool.jsonl"


def enqueue(*, action: str, openid: str, at: datetime, scene: str | None = None, spool: Path | None = None) -> str:
    """Keep one follow ("subscribe") or unfollow ("unsubscribe"); returns where: "redis" or "spool"."""
    line = json.dumps({"action": action, "openid": openid, "at": at.isoformat(), "scene": scene})
    try:
        redis.rpush(keys.follow_queue(), line)
        log.warning("follow event queued: database unavailable", action=action, where="redis")
        return "redis"
    except RedisError:
        path = spool or SPOOL
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        log.warning("follow event spooled: database and redis unavailable", action=action, where="spool")
        return "spool"


def pending(*, spool: Path | None = None) -> list[dict]:
    """The events waiting, oldest first (spooled ones after Redis's): for the drain and for tests."""
    events = []
    try:
        events = [json.loads(x) for x in redis.lrange(keys.follow_queue(), 0, -1)]
    except RedisError:
        pass
    path = spool or SPOOL
    if path.exists():
        events += [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    return events


def drain(apply, *, spool: Path | None = None) -> int:
    """Apply the waiting events with `apply(event)` (which commits, followers._apply_or_queue); an event leaves the queue only once applied.
    Stops at the first failure (the database went again): the rest wait for the next run."""
    n = 0
    while True:
        try:
            head = redis.lindex(keys.follow_queue(), 0)
        except RedisError:
            break
        if head is None:
            break
        apply(json.loads(head))
        redis.lpop(keys.follow_queue())           # only this job pops; the head is the one just applied
        n += 1
    path = spool or SPOOL
    if path.exists():
        draining = path.with_suffix(".draining")
        if not draining.exists():
            os.replace(path, draining)            # new spooled events go to a fresh file meanwhile
        lines = [x for x in draining.read_text().splitlines() if x.strip()]
        for i, line in enumerate(lines):
            try:
                apply(json.loads(line))
            except Exception:
                draining.write_text("".join(x + "\n" for x in lines[i:]))
                raise
            n += 1
        draining.unlink()
    return n
