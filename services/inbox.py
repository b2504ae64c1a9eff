"""人工值守, the follower's side: every message that asks for or waits for a person lands in their one thread.

Called from the chat (`handlers.handover`) and from the Q&A feature (`note_unanswered`); staff act
on threads through `services.inbox_staff`, and read them through `services.inbox_queries`. The thread is the truth;
the hand-over is mirrored in Redis (`keys.handover`, and the hand-over flow's conversation state) only so that the
per-message check costs nothing. Functions change and flush; the caller commits.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import logs
from extensions import db, redis
from models import Setting
from models.inbox import MessageKind, Thread, ThreadMessage, ThreadStatus
from services import Invalid, audit, keys

log = logs.get(__name__)

SETTINGS_KEY = "inbox_settings"
TEXT_LIMIT = 2000
PREVIEW_LIMIT = 60
HANDOVER_FLOW = "handover"          # the conversation flow name `handlers.handover` declares
BAD_MINUTES = "{label}应为 1 到 1440 之间的分钟数"


@dataclass
class InboxSettings:
    sla_minutes: int = 30           # first response to a waiting follower within this many minutes
    handback_minutes: int = 15      # staff silent this long while holding a thread: the bot takes over again
    wechat_kf: bool = False         # 人工 in office hours goes to WeChat's own 客服 tool instead of this inbox


def settings() -> InboxSettings:
    row = db.session.get(Setting, SETTINGS_KEY)
    values = {k: v for k, v in (row.value if row else {}).items() if k in InboxSettings.__dataclass_fields__}
    return InboxSettings(**values)


def update_settings(*, by, now: datetime, sla_minutes: int, handback_minutes: int, wechat_kf: bool) -> InboxSettings:
    """Validate and store the inbox settings, audited (caller commits)."""
    for value, label in ((sla_minutes, "首次响应时限"), (handback_minutes, "人工无回复转回机器人的时间")):
        if not 1 <= int(value) <= 1440:
            raise Invalid(BAD_MINUTES.format(label=label), field="minutes")
    before = asdict(settings())
    current = InboxSettings(sla_minutes=int(sla_minutes), handback_minutes=int(handback_minutes),
                            wechat_kf=bool(wechat_kf))
    row = db.session.get(Setting, SETTINGS_KEY) or Setting(key=SETTINGS_KEY, value={})
    row.value, row.updated_at = asdict(current), now
    db.session.add(row)
    audit.record(actor=by, action="inbox.settings", obj_type="setting", obj_id=SETTINGS_KEY, before=before,
                 after=asdict(current), now=now)
    return current


def thread_of(openid: str) -> Thread | None:
    return db.session.scalar(select(Thread).where(Thread.openid == openid))


def _thread(openid: str, now: datetime) -> Thread:
    thread = thread_of(openid)
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():        # a concurrent first message may create it: the unique openid decides
            thread = Thread(openid=openid, status=ThreadStatus.WAITING, version=1, handover=False, created_at=now,
                            updated_at=now, preview="")
            db.session.add(thread)
    except IntegrityError:
        thread = thread_of(openid)
        assert thread is not None
    return thread


def add_message(thread: Thread, kind: MessageKind, text: str, now: datetime, *, staff_id: int | None = None,
                channel: str | None = None) -> ThreadMessage:
    message = ThreadMessage(thread_id=thread.id, at=now, kind=kind, text=(text or "")[:TEXT_LIMIT],
                            staff_id=staff_id, channel=channel)
    db.session.add(message)
    if kind != MessageKind.SYSTEM:
        thread.preview = (text or "").replace("\n", " ")[:PREVIEW_LIMIT]
    thread.updated_at = now
    return message


def _follower_wrote(openid: str, kind: MessageKind, text: str, now: datetime, bot_reply: str = "") -> Thread:
    thread = _thread(openid, now)
    add_message(thread, kind, text, now)
    thread.last_follower_at = now
    if thread.waiting_since is None:
        thread.waiting_since, thread.alerted_at, thread.sla_alerted_at = now, None, None
    if thread.status == ThreadStatus.RESOLVED:
        thread.status, thread.assignee_id = ThreadStatus.WAITING, None
    if bot_reply:
        add_message(thread, MessageKind.BOT, bot_reply, now)
        thread.preview = (text or "").replace("\n", " ")[:PREVIEW_LIMIT]
    db.session.flush()          # `version` is the staff-side lock: a follower's message does not move it
    return thread


def request_human(*, openid: str, now: datetime, text: str, bot_reply: str) -> Thread:
    """The follower asked for a person: open (or reopen) their thread in hand-over and keep the bot's answer."""
    thread = _follower_wrote(openid, MessageKind.REQUEST, text, now, bot_reply)
    thread.handover, thread.handover_at = True, now
    mark_handover(openid, True)
    log.info("inbox request", thread=thread.id)
    return thread


def note_message(*, openid: str, text: str, now: datetime, offhours: bool = False, bot_reply: str = "") -> Thread:
    """A message the follower wrote while handed over (or left out of duty hours)."""
    return _follower_wrote(openid, MessageKind.OFFHOURS if offhours else MessageKind.MESSAGE, text, now, bot_reply)


def note_unanswered(*, openid: str, text: str, now: datetime, bot_reply: str = "") -> Thread:
    """An in-scope question the bot could not answer: it waits in the follower's thread for a person."""
    return _follower_wrote(openid, MessageKind.UNANSWERED, text, now, bot_reply)


def end_handover(*, thread: Thread, now: datetime, line: str) -> None:
    """The bot answers the follower again; `line` is what they are told, kept in the thread too."""
    thread.handover = False
    add_message(thread, MessageKind.SYSTEM, line, now)
    mark_handover(thread.openid, False)


def handback_due(thread: Thread, now: datetime, minutes: int) -> bool:
    """True when a staff member holds the thread but has said nothing for `minutes`."""
    if not thread.handover or thread.status != ThreadStatus.OPEN:
        return False
    quiet_since = max(t for t in (thread.last_staff_at, thread.handover_at, thread.created_at) if t is not None)
    return (now - quiet_since).total_seconds() > minutes * 60


def mark_handover(openid: str, on: bool) -> None:
    """Mirror the hand-over in Redis; turning it off also drops the hand-over flow's conversation state."""
    try:
        if on:
            redis.set(keys.handover(openid), "1", ex=keys.HANDOVER_TTL)
            return
        redis.delete(keys.handover(openid))
        raw = redis.get(keys.conversation(openid))
        if raw and json.loads(raw).get("flow") == HANDOVER_FLOW:
            redis.delete(keys.conversation(openid))
    except (RedisError, ValueError):
        log.warning("handover marker not updated")   # the thread row is the truth; the next message re-checks it


def handed_over(openid: str) -> bool:
    """The Redis marker, read on menu taps only (see `keys.handover`)."""
    try:
        return bool(redis.get(keys.handover(openid)))
    except RedisError:
        return False
