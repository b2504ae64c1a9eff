"""Staff on their phones: template messages to bound staff — a thread waiting, an SLA about to break, 复核 waiting,
a publication that finished with deliveries nobody can confirm (told to its author, else the admins).

A staff member who bound their WeChat (`services.staff_binding`) is reached by template message (any time; no
48-hour window applies to templates), or by customer-service text when no template is configured. Every attempt is
a `DeliveryAttempt` (source `staff:<what>`). New threads go to whoever is on duty, not to everyone; a thread
nobody is on duty for is told to the next person on duty. Jobs call these; the caller commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

import logs
from extensions import db
from models import DeliveryAttempt, Department, Staff
from models.case_followup import CaseReview
from models.complaint import Case
from models.inbox import Thread, ThreadStatus
from models.staff import Role
from services import DeliveryError, duty, inbox, staff_binding
from services.sender import Sender

log = logs.get(__name__)

WAITING = "【人工值守】有消费者在等待回复（{preview}），请到工作台「消息」处理。"
SLA_SOON = "【人工值守】有消费者已等待{minutes}分钟，即将超过首次响应时限（{sla}分钟），请尽快回复。"
REVIEW = "【复核待办】案件 {number} 消费者评价不满意，等待部门负责人复核。"
UNCONFIRMED = "【推送核对】《{title}》已发送完成，但有 {n} 位关注者的发送结果未确认（可能已送达，系统不会重发），请到工作台核对。"
SLA_LEAD_MINUTES = 5          # warn this long before the first-response SLA breaks


def send(*, person: Staff, text: str, source: str, now: datetime, sender: Sender, template_id: str | None) -> bool:
    """Reach one bound staff member; False when they have no WeChat bound or WeChat refused."""
    openid = staff_binding.openid_of(person.id)
    if not openid:
        return False
    channel = "template" if template_id else "custom"
    try:
        if template_id:
            sender.template(openid, template_id=template_id, data={"first": text, "remark": source})
        else:
            sender.text(openid, text)
        ok, errcode = True, None
    except DeliveryError as exc:
        ok, errcode = False, exc.errcode
        log.warning("staff alert not delivered", staff=person.id, errcode=exc.errcode)
    db.session.add(DeliveryAttempt(openid=openid, source=f"staff:{source}"[:64], channel=channel, ok=ok,
                                   errcode=errcode, at=now))
    return ok


def alert_waiting(*, now: datetime, sender: Sender, template_id: str | None) -> int:
    """Tell the on-duty staff of each newly waiting thread once; returns how many threads were told."""
    covered, people = duty.on_duty(now)
    if not covered or not people:
        return 0
    told = 0
    for thread in db.session.scalars(select(Thread).where(Thread.status == ThreadStatus.WAITING,
                                                          Thread.waiting_since.is_not(None),
                                                          Thread.alerted_at.is_(None))):
        reached = [send(person=p, text=WAITING.format(preview=thread.preview[:20] or "新消息"),
                        source=f"thread:{thread.id}", now=now, sender=sender, template_id=template_id)
                   for p in people]
        if any(reached):
            thread.alerted_at = now
            told += 1
    return told


def alert_sla(*, now: datetime, sender: Sender, template_id: str | None) -> int:
    """Warn once per wait when a thread is about to break its first-response SLA: its holder, else the on-duty."""
    sla = inbox.settings().sla_minutes
    soon = now - timedelta(minutes=max(sla - SLA_LEAD_MINUTES, 0))
    told = 0
    for thread in db.session.scalars(select(Thread).where(Thread.status != ThreadStatus.RESOLVED,
                                                          Thread.waiting_since.is_not(None),
                                                          Thread.waiting_since <= soon,
                                                          Thread.sla_alerted_at.is_(None))):
        people = [db.session.get(Staff, thread.assignee_id)] if thread.assignee_id else duty.on_duty(now)[1]
        minutes = int((now - thread.waiting_since).total_seconds() // 60)
        reached = [send(person=p, text=SLA_SOON.format(minutes=minutes, sla=sla), source=f"sla:{thread.id}",
                        now=now, sender=sender, template_id=template_id) for p in people if p is not None]
        if any(reached):
            thread.sla_alerted_at = now
            told += 1
    return told


def alert_reviews(*, now: datetime, sender: Sender, template_id: str | None) -> int:
    """Tell the department head (else the admins) of each open 复核 once."""
    told = 0
    for review in db.session.scalars(select(CaseReview).where(CaseReview.done_at.is_(None))):
        source = f"review:{review.id}"
        if db.session.scalar(select(DeliveryAttempt.id).where(DeliveryAttempt.source == f"staff:{source}",
                                                              DeliveryAttempt.ok).limit(1)):
            continue
        department = db.session.get(Department, review.department_id) if review.department_id else None
        head = department.head if department else None
        people = [head] if head is not None and head.active else admins()
        case = db.session.get(Case, review.case_id)
        text = REVIEW.format(number=case.number if case else review.case_id)
        if any([send(person=p, text=text, source=source, now=now, sender=sender, template_id=template_id)
                for p in people]):
            told += 1
    return told


def alert_unconfirmed(*, now: datetime, sender: Sender, template_id: str | None) -> int:
    """Tell the author (else the admins) of each publication sent with unconfirmed rows, once (audit
    `publication.unconfirmed`, written by services.publications.finish)."""
    from models import AuditEvent, Delivery, Publication
    from models.publication import DeliveryStatus
    told = 0
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "publication.unconfirmed")):
        source = f"unconfirmed:{event.object_id}"
        if db.session.scalar(select(DeliveryAttempt.id).where(DeliveryAttempt.source == f"staff:{source}",
                                                              DeliveryAttempt.ok).limit(1)):
            continue
        pub = db.session.get(Publication, int(event.object_id))
        left = db.session.scalar(select(func.count(Delivery.id)).where(
            Delivery.publication_id == int(event.object_id), Delivery.status == DeliveryStatus.UNCONFIRMED))
        if pub is None or not left:          # WeChat's report settled every row meanwhile: nothing to check
            continue
        author = db.session.scalar(select(Staff).where(Staff.username == pub.author))
        people = [author] if author is not None and author.active else admins()
        text = UNCONFIRMED.format(title=pub.title, n=left)
        if any([send(person=p, text=text, source=source, now=now, sender=sender, template_id=template_id)
                for p in people]):
            told += 1
    return told


def admins() -> list[Staff]:
    return list(db.session.scalars(select(Staff).where(Staff.role == Role.ADMIN, Staff.active).order_by(Staff.id)))


def alert_all(*, now: datetime, sender: Sender, template_id: str | None) -> int:
    """The scheduler's one call: waiting threads, SLAs about to break, 复核 waiting, unconfirmed publications (the
    job commits)."""
    told = alert_waiting(now=now, sender=sender, template_id=template_id)
    told += alert_sla(now=now, sender=sender, template_id=template_id)
    told += alert_reviews(now=now, sender=sender, template_id=template_id)
    told += alert_unconfirmed(now=now, sender=sender, template_id=template_id)
    return told
