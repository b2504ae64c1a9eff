"""Answers that cannot be given inside WeChat's 5 seconds, delivered by customer-service message instead.

Three cases (issue 12, item 5 and overload):

- **The follower's lock stays busy** (their previous message is still being handled, or a crashed worker's lock has
  not expired yet). The push is answered `success` at once and the message itself is handed to a background thread,
  which waits for the lock (up to FOLLOWER_LOCK_TTL, after which a dead holder's lock has expired), handles the
  message exactly as the webhook would (dedup, flow, effects) and sends the reply by customer-service message.
  Why this and not a failed request: WeChat documents a re-send only for a request left unanswered for 5 s — holding
  a worker 5 s per busy message, three times, under exactly the load that makes locks busy, is worse than answering
  now; and an HTTP error makes WeChat show "该公众号暂时无法提供服务" instead of re-sending. A consumer inside the
  48-hour window (they just wrote) can always be reached by customer-service message. If the lock never frees, the
  consumer is told by customer-service message to send again — `success` never stands for work silently dropped.
- **The reply itself is late** (the handler finished WECHAT_LATE_AFTER seconds, default 4, after the push arrived:
  WeChat has given up or is about to).
  The reply is stored flagged `later`, sent by customer-service message, and the push answered `success`; WeChat's
  re-sends of that message find the flag and answer `success` too, so the consumer reads it once (a case number,
  投票成功).
- **The push waited too long before we saw it** (overload: every worker busy, the push queued in nginx's
  connection to us). nginx stamps each request with `X-Request-Start: t=<epoch seconds>`; a push that has already
  waited WECHAT_SHED_AFTER seconds (default 2.5) is answered at once with BUSY and handed to the background exactly
  like a busy-lock message (`handle_after_lock`: dedup, flow, effects, reply by customer-service message). Handling it
  in the request instead would finish past WeChat's 5 s more often than not, and WeChat's re-sends would queue behind
  it and deepen the spike. The hand-off is in this process's memory: a worker killed in between loses that one
  message after the consumer was told "稍后回复" (docs/operations.md).
"""
from __future__ import annotations

import json
import time
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError

import logs
from bot import choices, inbox
from bot.messages import Incoming, Reply, split_text
from services import keys

log = logs.get(__name__)

BUSY = "收到！现在咨询的人比较多，我们处理好后稍后回复您，请留意消息。"
NOT_HANDLED = "抱歉，您刚才发的消息系统没能及时处理，请再发一次。急事请拨打 12315。"


def texts(reply: Reply) -> list[str]:
    """The reply as customer-service text messages (articles as title + link)."""
    parts = split_text(reply.text) if reply.text else []
    parts += [f"{a.title}\n{a.url}".strip() for a in reply.articles]
    return [p for p in parts + [q for f in reply.followups for q in split_text(f)] if p]


def handle_after_lock(app: Flask, incoming: Incoming, *, now: Any, services: Any, lock_wait: float) -> None:
    """Background: wait for the follower's lock, handle the message once, send its reply by customer-service message."""
    from bot import router
    with app.app_context():
        try:
            claim = inbox.claim(incoming.openid, incoming.dedup_key, check_fresh=not incoming.is_event,
                                wait=lock_wait)
        except RedisError:
            claim = None
        if claim is None:
            log.warning("follower lock never freed: consumer asked to send again")
            services.send_now(incoming.openid, [NOT_HANDLED])
            return
        if claim.stored is not None:
            reply = Reply.from_dict(json.loads(claim.stored))
            if not reply.later:      # answered passively, but WeChat re-sent: that answer never arrived
                services.send_now(incoming.openid, texts(reply))
            return
        reply = router.handle(incoming, now=now, services=services, claim=claim)
        reply.later = True
        try:
            inbox.release(claim, json.dumps(reply.to_dict(), ensure_ascii=False),
                          menu=choices.encode(reply))
        except RedisError:
            log.warning("reply store and lock release failed")
        log.info("answered by customer-service message after the lock", parts=len(texts(reply)))
        services.send_now(incoming.openid, texts(reply))


def arrival(header: str | None) -> float:
    """When the push reached the front proxy, as a time.monotonic() value: from `X-Request-Start: t=<seconds>` (nginx
    `${msec}`; milli- and microseconds accepted), else now. A stamp in the future or over a minute old is ignored."""
    now = time.monotonic()
    if not header:
        return now
    try:
        stamp = float(header.strip().removeprefix("t="))
    except ValueError:
        return now
    while stamp > 1e11:          # ms or µs since the epoch
        stamp /= 1000
    waited = time.time() - stamp
    return now - waited if 0 <= waited <= 60 else now


def overloaded(started: float) -> bool:
    limit = float(current_app.config["WECHAT_SHED_AFTER"])
    return limit > 0 and time.monotonic() - started > limit


def is_late(started: float | None) -> bool:
    return started is not None and time.monotonic() - started > float(current_app.config["WECHAT_LATE_AFTER"])


LOCK_WAIT_LATER = keys.FOLLOWER_LOCK_TTL   # a dead holder's lock has expired by then
