"""人工值守, the staff side: take a thread, reply, assign, resolve — each audited, each under an optimistic lock.

Every action names the thread `version` the staff member saw. The UPDATE that claims the action only matches that
version, so of two staff answering the same thread at once the second is refused (`Conflict`) before anything is
sent: never both. A reply reaches the follower by the reach chain (`services.notify`): a customer-service message
inside the 48-hour window; otherwise a template / subscription notice "您有一条工作人员回复，发任意消息查看" with
the reply itself shown at their next message; otherwise the next message alone. Every attempt is recorded.
The caller commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

import logs
from extensions import db
from models import Staff
from models.inbox import MessageKind, Thread, ThreadMessage, ThreadStatus
from models.staff import Role
from services import Conflict, Invalid, NotFound, PermissionDenied, audit, inbox, notices, notify
from services.notify import Template
from services.sender import Sender

log = logs.get(__name__)

STALE = "另一位工作人员刚刚处理了这个对话（可能已经回复）。请先看最新消息，再决定是否发送；您的回复没有发出。"
READ_ONLY = "只读账号不能回复或处理对话。"
EMPTY = "回复内容不能为空"
TOO_LONG = "回复不能超过 600 字"
GONE = "对话不存在"
REPLY_PREFIX = "【工作人员回复】"
REPLY_NOTICE = "您有一条工作人员回复，发任意消息查看"
CLOSED_LINE = "本次人工服务已结束，感谢您的耐心。接下来由智能助手为您服务；需要时再发“人工”。"
NOT_IN_HANDOVER = "\n（如需继续和工作人员沟通，请发“人工”。）"
REPLY_LIMIT = 600


def get(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(GONE, field="thread_id")
    return thread


def require_writer(by: Staff) -> None:
    if by.role not in (Role.ADMIN, Role.STAFF):
        raise PermissionDenied(READ_ONLY)


def claim_version(thread_id: int, version: int, now: datetime, **values) -> Thread:
    """Move the thread from `version` to the next one, or refuse: the optimistic lock (one UPDATE, row-locked)."""
    done = db.session.execute(update(Thread).where(Thread.id == thread_id, Thread.version == version)
                              .values(version=Thread.version + 1, updated_at=now, **values)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        get(thread_id)
        raise Conflict(STALE, field="version")
    thread = get(thread_id)
    db.session.refresh(thread)
    return thread


def take(*, thread_id: int, version: int, by: Staff, now: datetime) -> Thread:
    """Hold the thread: it is mine, 处理中."""
    require_writer(by)
    thread = claim_version(thread_id, version, now, assignee_id=by.id, status=ThreadStatus.OPEN)
    inbox.add_message(thread, MessageKind.SYSTEM, f"{by.name} 接手处理", now, staff_id=by.id)
    audit.record(actor=by, action="inbox.take", obj_type="thread", obj_id=thread.id, now=now)
    return thread


def assign(*, thread_id: int, version: int, assignee_id: int | None, by: Staff, now: datetime) -> Thread:
    require_writer(by)
    person = db.session.get(Staff, assignee_id) if assignee_id else None
    if assignee_id and (person is None or not person.active or person.role == Role.VIEWER):
        raise Invalid("没有这位在岗工作人员", field="assignee_id")
    status = ThreadStatus.OPEN if person else ThreadStatus.WAITING
    thread = claim_version(thread_id, version, now, assignee_id=assignee_id, status=status)
    inbox.add_message(thread, MessageKind.SYSTEM, f"交给 {person.name}" if person else "退回待处理", now,
                      staff_id=by.id)
    audit.record(actor=by, action="inbox.assign", obj_type="thread", obj_id=thread.id, now=now,
                 after={"assignee_id": assignee_id})
    return thread


def reply(*, thread_id: int, version: int, text: str, by: Staff, now: datetime, sender: Sender,
          template_id: str | None = None, subscription_id: str | None = None) -> ThreadMessage:
    """Send `text` to the thread's follower (first claiming the version), record how it went, audit it."""
    require_writer(by)
    text = (text or "").strip()
    if not text:
        raise Invalid(EMPTY, field="text")
    if len(text) > REPLY_LIMIT:
        raise Invalid(TOO_LONG, field="text")
    current = get(thread_id)
    status = ThreadStatus.OPEN if current.status != ThreadStatus.RESOLVED else current.status
    thread = claim_version(thread_id, version, now, assignee_id=current.assignee_id or by.id, status=status,
                    last_staff_at=now, waiting_since=None)
    body = REPLY_PREFIX + text + ("" if thread.handover else NOT_IN_HANDOVER)
    notice = {"first": REPLY_NOTICE, "keyword1": by.name, "remark": REPLY_NOTICE}
    channel = notify.reach(openid=thread.openid, text=body, source=f"inbox:{thread.id}", now=now, sender=sender,
                           template=Template(template_id, notice) if template_id else None,
                           subscription=Template(subscription_id, notice) if subscription_id else None)
    if channel in {"template", "subscription"}:     # the notice said "发任意消息查看": the reply waits for that
        notices.defer(openid=thread.openid, text=body, source=f"inbox:{thread.id}", now=now)
    message = inbox.add_message(thread, MessageKind.STAFF, text, now, staff_id=by.id, channel=channel)
    db.session.flush()
    audit.record(actor=by, action="inbox.reply", obj_type="thread", obj_id=thread.id, now=now,
                 after={"message_id": message.id, "channel": channel, "length": len(text)})
    log.info("inbox reply", thread=thread.id, channel=channel)
    return message


def resolve(*, thread_id: int, version: int, by: Staff, now: datetime, sender: Sender) -> Thread:
    """已解决: the follower, if handed over, goes back to the bot and is told so."""
    require_writer(by)
    thread = claim_version(thread_id, version, now, status=ThreadStatus.RESOLVED, waiting_since=None)
    if thread.handover:
        inbox.end_handover(thread=thread, now=now, line=CLOSED_LINE)
        channel = notify.reach(openid=thread.openid, text=CLOSED_LINE, source=f"inbox:{thread.id}:end", now=now,
                               sender=sender)
        log.info("handover ended by staff", thread=thread.id, channel=channel)
    inbox.add_message(thread, MessageKind.SYSTEM, f"{by.name} 标记为已解决", now, staff_id=by.id)
    audit.record(actor=by, action="inbox.resolve", obj_type="thread", obj_id=thread.id, now=now)
    return thread
