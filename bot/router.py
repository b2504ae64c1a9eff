"""Routing with exactly-once effects.

`dispatch` is the whole inbound pipeline below the transport:

1. take the follower's lock (serialises conversation updates; a concurrent re-send waits here) and, in the same
   Redis round trip, read the stored reply and the conversation state (`bot.inbox`);
2. if this message was already answered, return the stored reply (WeChat re-sends after 5 s, up to 3 times);
3. `route`: a number answering the numbered list the previous reply showed (`bot.choices`) → pending notices →
   active flow (cancel first, then timeout) → entry points in `handlers.FEATURES` order → a form's stray word
   (`conversation.stray`) → fallback;
4. store the reply for re-sends and release the lock (one round trip).

A lock still busy after LOCK_WAIT_SECONDS, or a reply finished too late for WeChat, is answered by customer-service
message (`bot.late`): `success` only for work that is done or will be delivered.

Database constraints back every effect that must not double, so a Redis outage degrades conversations (no dedup,
no flow state) but never double-files a case or a vote.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from redis.exceptions import RedisError

import handlers
import logs
from bot import choices, conversation, inbox, late
from bot.conversation import Command, Flow, Turn
from bot.messages import Incoming, Reply
from extensions import db
from services import DomainError, followers

log = logs.get(__name__)

APOLOGY = "抱歉，系统刚才出了点问题，您的消息我们没能处理。请稍后再发一次，或拨打 12315。"
DEGRADED = "抱歉，多步填写功能暂时不可用（系统维护中），请稍后再试。急事请拨打 12315。"
# ... in the middle of a form: what was filled in is kept (the database copy), only this message was not taken
DRAFT_KEPT = ("抱歉，系统正在维护，刚才这条没有保存。{at}，已填的内容都还在，请过几分钟重发这一条，"
              "或回复“继续”接着填写。急事请拨打 12315。")
# Well under WeChat's 5 s, leaving the rest for the handler; past it the message is answered `success` and handled
# once the lock frees, its reply sent by customer-service message (bot/late.py says why).
LOCK_WAIT_SECONDS = 1.5

@dataclass
class Outcome:
    reply: Reply
    first: bool          # False when this was a re-send answered from the stored reply


def _flows() -> dict[str, Flow]:
    return {e.name: e for f in handlers.FEATURES for e in f.ENTRIES if isinstance(e, Flow)}


def dispatch(incoming: Incoming, *, now: datetime, services: Any = None, started: float | None = None) -> Outcome:
    """`started` (time.monotonic() when the push arrived) marks a reply finished after WECHAT_LATE_AFTER as `later`:
    the transport then sends it by customer-service message and answers `success`."""
    try:
        claim = inbox.claim(incoming.openid, incoming.dedup_key, check_fresh=not incoming.is_event,
                            wait=LOCK_WAIT_SECONDS)
    except RedisError:
        log.warning("redis unavailable: handling without lock or dedup")
        reply = handle(incoming, now=now, services=services)
        reply.later = late.is_late(started)
        return Outcome(reply, first=True)
    if claim is None:
        log.info("follower busy: answering success, handling once the lock frees")
        services.run_later(late.handle_after_lock, current_app._get_current_object(), incoming, now=now,
                           services=services, lock_wait=late.LOCK_WAIT_LATER)
        return Outcome(Reply(silent=True), first=False)
    if claim.stored is not None:
        log.info("duplicate delivery answered from store")
        stored = Reply.from_dict(json.loads(claim.stored))
        return Outcome(Reply(silent=True) if stored.later else stored, first=False)
    reply = handle(incoming, now=now, services=services, claim=claim)
    reply.later = late.is_late(started)
    try:
        inbox.release(claim, json.dumps(reply.to_dict(), ensure_ascii=False), menu=choices.encode(reply))
    except RedisError:  # the effects are committed; a re-send may repeat the question, never the effect (DB keys)
        log.warning("reply store and lock release failed")
    return Outcome(reply, first=True)


def handle(incoming: Incoming, *, now: datetime, services: Any, claim: inbox.Claim | None = None) -> Reply:
    """Route and commit once; any failure is rolled back and answered with an apology."""
    try:
        reply = route(incoming, now=now, services=services, claim=claim)
        if db.session.registry.has():  # most messages never open a database session
            db.session.commit()
        return reply
    except Exception:  # noqa: BLE001 - last resort: log with traceback, apologise, never a 500 to WeChat
        db.session.rollback()
        log.exception("handler failed", type=incoming.type, wx_event=incoming.event)
        return Reply(text=APOLOGY)


def route(incoming: Incoming, *, now: datetime, services: Any = None, claim: inbox.Claim | None = None) -> Reply:
    """Find the one thing that answers `incoming` and run it. `claim` carries what `inbox.claim` already read."""
    pending = []
    if not incoming.is_event:
        fresh = claim.fresh if claim is not None else None
        pending = followers.note_inbound(openid=incoming.openid, now=now, fresh=fresh)
    incoming, re_ask = choices.resolve(incoming, claim.menu if claim is not None else None)
    reply = re_ask or _answer(incoming, now=now, services=services, claim=claim)
    if pending:
        reply.followups = [reply.text, *reply.followups] if reply.text else reply.followups
        reply.text = "\n\n".join(pending)
        reply.silent = False
    return reply


def _answer(incoming: Incoming, *, now: datetime, services: Any, claim: inbox.Claim | None) -> Reply:
    prefix = ""
    try:
        state = conversation.current(incoming.openid, claim, now=now)   # a Redis restart: the database copy
    except RedisError:           # Redis down: no flow state; one-shot answers still work
        log.warning("conversation state unavailable")
        state = None
    if state is not None:
        flow = _flows().get(state.flow)
        if flow is None or conversation.expired(state, now):
            conversation.clear(incoming.openid)
            prefix = conversation.expired_notice(flow) if flow else ""
        elif incoming.is_event and incoming.event == "click":
            prefix = conversation.park(incoming, _flows(), now=now)   # a menu tap parks the draft
        elif not incoming.is_event:
            kept = DRAFT_KEPT.format(at=flow.where(state.step, state.data).at()) if flow.forgiving else DEGRADED
            return _guard(lambda: conversation.advance(flow, state, incoming, now=now, services=services,
                                                       features=handlers.FEATURES, aside=handlers.ASIDE),
                          degraded=kept)

    reply = _guard(lambda: conversation.resume_parked(incoming, _flows(), now=now)
                   or _enter(incoming, now=now, services=services))
    if prefix:
        reply.text = f"{prefix}\n\n{reply.text}".strip()
        reply.silent = False
    return reply


def _enter(incoming: Incoming, *, now: datetime, services: Any) -> Reply:
    for feature in handlers.FEATURES:
        for entry in feature.ENTRIES:
            if isinstance(entry, Flow) and entry.enters_on(incoming):
                return conversation.begin(entry, incoming, now=now, services=services)
            if isinstance(entry, Command) and entry.matches(incoming):
                turn = Turn(incoming=incoming, now=now, services=services)
                return conversation.enter_after(turn, Reply.of(entry.run(turn)), _flows())
    if incoming.is_event:
        return Reply(silent=True)
    stray = conversation.stray(incoming)          # 取消/确认/修改 … with no form active: never a question
    if stray is not None:
        return stray
    return Reply.of(handlers.FALLBACK(Turn(incoming=incoming, now=now, services=services)))


def _guard(fn, *, degraded: str = DEGRADED) -> Reply:
    """A domain rule that refuses is told to the user in its own (Chinese) words; nothing is half-written. Redis
    unreachable gets `degraded`."""
    try:
        return fn()
    except DomainError as err:
        db.session.rollback()
        return Reply(text=err.message)
    except RedisError:
        db.session.rollback()
        log.warning("redis unavailable inside a handler")
        return Reply(text=degraded)
