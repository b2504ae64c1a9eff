"""Reading the inbox: the thread list with its filters and search, one thread with its messages and the
follower's cases, the unread count, and a version token for the console's polling (ETag).

Every signed-in role reads the inbox; viewers read it masked (openid, and phone numbers inside message text) and
the follower's cases are shown through `services.case_access` like everywhere else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, or_, select

from extensions import db
from models.complaint import Case
from models.inbox import Thread, ThreadMessage, ThreadStatus
from models.staff import Role
from services import case_access, inbox, privacy
from services.inbox_staff import get

FILTERS = [("", "全部"), ("mine", "我负责的"), ("unassigned", "未分配"), ("longest", "等待最久"), ("sla", "已超时")]
STATUSES = [("", "未解决"), ("waiting", "待处理"), ("open", "处理中"), ("resolved", "已解决"), ("all", "全部")]
MESSAGES_SHOWN = 200
_PHONE = re.compile(r"1[3-9]\d{9}")


def masked(viewer: Any) -> bool:
    return getattr(viewer, "role", None) == Role.VIEWER


def show_text(viewer: Any, text: str) -> str:
    return _PHONE.sub(lambda m: privacy.mask_phone(m.group(0)), text) if masked(viewer) else text


def show_openid(viewer: Any, openid: str) -> str:
    return privacy.mask_openid(openid) if masked(viewer) else openid


def listing(*, viewer: Any, now: datetime, view: str = "", status: str = "", q: str = "") -> Select:
    query = select(Thread)
    if status == "all":
        pass
    elif status in {s.value for s in ThreadStatus}:
        query = query.where(Thread.status == status)
    else:
        query = query.where(Thread.status != ThreadStatus.RESOLVED)
    if view == "mine":
        query = query.where(Thread.assignee_id == getattr(viewer, "id", None))
    elif view == "unassigned":
        query = query.where(Thread.assignee_id.is_(None))
    elif view == "sla":
        query = query.where(Thread.waiting_since <= now - timedelta(minutes=inbox.settings().sla_minutes))
    q = q.strip()[:50]
    if q:
        like = f"%{q}%"
        query = query.where(or_(Thread.openid == q, Thread.preview.like(like),
                                exists(select(ThreadMessage.id).where(ThreadMessage.thread_id == Thread.id,
                                                                      ThreadMessage.text.like(like)))))
    if view in {"longest", "sla"}:
        return query.where(Thread.waiting_since.is_not(None)).order_by(Thread.waiting_since, Thread.id)
    return query.order_by(Thread.updated_at.desc(), Thread.id.desc())


def out_of_sla(thread: Thread, now: datetime, sla_minutes: int) -> bool:
    return thread.waiting_since is not None and now - thread.waiting_since > timedelta(minutes=sla_minutes)


def waited_minutes(thread: Thread, now: datetime) -> int | None:
    if thread.waiting_since is None:
        return None
    return int((now - thread.waiting_since).total_seconds() // 60)


@dataclass
class Detail:
    thread: Thread
    messages: list[ThreadMessage]
    cases: list[Case]
    earlier: bool                       # older messages exist beyond those shown


def detail(thread_id: int) -> Detail:
    thread = get(thread_id)
    rows = list(db.session.scalars(select(ThreadMessage).where(ThreadMessage.thread_id == thread.id)
                                   .order_by(ThreadMessage.id.desc()).limit(MESSAGES_SHOWN + 1)))
    cases = list(db.session.scalars(select(Case).where(Case.openid == thread.openid).order_by(Case.id.desc())
                                    .limit(20)))
    return Detail(thread, list(reversed(rows[:MESSAGES_SHOWN])), cases, len(rows) > MESSAGES_SHOWN)


def case_view(viewer: Any, case: Case) -> dict[str, str]:
    """The case as this viewer may see it: number and status always; the consumer masked by the usual rules."""
    from services import case_flow
    return {"number": case.number, "status": case_flow.status_label(case), "id": str(case.id),
            "name": case_access.person(viewer, case)["name"], "readable": "1" if case_access.can_read(viewer, case)
            else ""}


def unread() -> int:
    """Threads with a follower message no staff member has answered yet."""
    return db.session.scalar(select(func.count(Thread.id)).where(Thread.waiting_since.is_not(None),
                                                                 Thread.status != ThreadStatus.RESOLVED)) or 0


def version_token(thread_id: int | None = None) -> str:
    """Changes whenever a thread (or the one thread) changes: the console's poll compares it (ETag)."""
    if thread_id is not None:
        row = db.session.execute(select(Thread.version, Thread.updated_at).where(Thread.id == thread_id)).first()
        return f"t{thread_id}-{row[0]}-{row[1]}" if row else "gone"
    latest = db.session.scalar(select(func.max(Thread.updated_at)))
    return f"l-{latest}-{unread()}"
