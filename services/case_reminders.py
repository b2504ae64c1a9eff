"""Deadline reminders to a case's responsible person and the department head at 50 %, 75 %, on the due day and when
overdue — each at most once per case, clock and threshold (a unique row in `case_reminders`).

A reminder is a row the console shows (the queue's 提醒 and the case history) and reaches a person: the assignee,
else the department head, else the admins — never nobody. Whoever has bound their own WeChat
(`services.staff_binding`) gets it there by template message (`services.staff_alerts`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import logs
from extensions import db
from models import Department, Staff
from models.case_event import CaseEvent, EventKind
from models.case_followup import CaseReminder
from models.complaint import Case, Status
from services import staff_alerts, tx
from services.clock import from_china
from services.sender import Sender

log = logs.get(__name__)

RUNNING = (Status.SUBMITTED, Status.ACCEPTED)        # a paused clock does not run, so it does not remind
THRESHOLDS: list[tuple[str, str]] = [                # (id, label), in order
    ("50", "已过半"), ("75", "已过75%"), ("due", "今天到期"), ("overdue", "已超期"),
]
REMINDER = "【办理提醒】{number}（{clock}）{label}，期限 {due:%Y-%m-%d}。"


def reached(case: Case, now: datetime) -> str | None:
    """The highest threshold `case`'s running clock has reached at `now`, or None."""
    if case.due_on is None or case.clock_started_at is None:
        return None
    start = case.clock_started_at
    due_day = from_china(datetime.combine(case.due_on, datetime.min.time()))
    end = due_day + timedelta(days=1)
    if now >= end:
        return "overdue"
    if now >= due_day:
        return "due"
    span = (end - start).total_seconds()
    if span <= 0:
        return None
    elapsed = (now - start).total_seconds() / span
    return "75" if elapsed >= 0.75 else "50" if elapsed >= 0.5 else None


def recipients(case: Case) -> list[Staff]:
    """The assignee, else the department head, else the active admins (issue 15: never nobody)."""
    if case.assignee_id:
        person = db.session.get(Staff, case.assignee_id)
        if person is not None and person.active:
            return [person]
    if case.department_id:
        department = db.session.get(Department, case.department_id)
        head = department.head if department else None
        if head is not None and head.active:
            return [head]
    return staff_alerts.admins()


def send_reminders(*, now: datetime, sender: Sender, template_id: str | None = None) -> int:
    """Remind for every running case that crossed a threshold not yet reminded; returns how many were sent."""
    sent = 0
    cases = db.session.scalars(select(Case).where(Case.status.in_(RUNNING), Case.due_on.is_not(None))).all()
    for case in cases:
        level = reached(case, now)
        if level is None or case.clock is None:
            continue
        sent += _remind_and_notify(case, level, now=now, sender=sender, template_id=template_id)
    log.info("reminders", sent=sent)
    return sent


def _remind_and_notify(case: Case, level: str, *, now: datetime, sender: Sender, template_id: str | None) -> bool:
    """Record the reminder and commit it, then alert the people: the unique (case, clock, threshold) row is the
    claim, so two scheduler runs never both alert. Returns whether this run sent it."""
    order = [t for t, _ in THRESHOLDS]
    done = set(db.session.scalars(select(CaseReminder.threshold).where(CaseReminder.case_id == case.id,
                                                                       CaseReminder.clock == case.clock)))
    if level in done:
        return False
    people = recipients(case)
    text = REMINDER.format(number=case.number, clock=_clock_title(case.clock), label=dict(THRESHOLDS)[level],
                           due=case.due_on)
    for threshold in order[: order.index(level) + 1]:   # lower thresholds passed unseen are settled too
        if threshold not in done:
            db.session.add(CaseReminder(case_id=case.id, clock=case.clock, threshold=threshold, sent_at=now,
                                        recipients=len(people) if threshold == level else 0))
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.REMINDER,
                             text=text + (f" 已提醒 {len(people)} 人" if people else " 尚未指定责任人")))
    try:
        tx.commit()
    except IntegrityError:                  # another scheduler run got here first
        db.session.rollback()
        return False
    for person in people:
        staff_alerts.send(person=person, text=text, source=f"case:{case.number}:{level}", now=now, sender=sender,
                          template_id=template_id)
    return True


def _clock_title(name: str) -> str:
    from services import deadlines
    return deadlines.clock(name).title
