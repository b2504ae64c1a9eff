"""Telling people about 核查处置: voters of a failing item learn its published outcome; staff are reminded of the clock.

Voters: `disposals` queues one `DisposalNotice` per voter when the outcome is made public (unique on case and
voter); `notify_voters` claims each pending notice with a conditional UPDATE, commits the claim, then delivers it
through `notify.reach` (customer-service message in the 48-hour window, else template, else at the follower's next
message) — the same chain and guarantee as `sampling.notify_voters`: told once, an interrupted send never resent.

Staff: the complaints' thresholds (`case_reminders.THRESHOLDS`: 50 %, 75 %, due day, overdue) for every open case,
each at most once per case (a unique `DisposalReminder` row), to the responsible person, else the department head,
else the admins (`case_reminders.recipients`), on their bound WeChat (`staff_alerts.send`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import logs
from extensions import db
from models.disposal import Disposal, DisposalNotice, DisposalReminder, DisposalStatus
from models.poll import Poll
from services import case_reminders, notify, staff_alerts, tx
from services.sender import Sender

log = logs.get(__name__)

VOTER_TEXT = ("您在「{poll}」中投票关注的「{name}」（{place}）抽检不合格（{item}），核查处置结果如下：\n{outcome}\n"
              "发送“抽检结果 {name}”可查看详情。")
TEMPLATE_FIRST = "您关注的不合格食品已完成核查处置"
REMINDER = "【核查处置提醒】{number} {name}（{place}）{label}，期限 {due:%Y-%m-%d}。"


def voter_text(case: Disposal) -> str:
    result = case.result
    poll = db.session.get(Poll, case.poll_id)
    return VOTER_TEXT.format(poll=poll.title if poll else "你点我检", name=result.sample_name, place=result.place,
                             item=result.failing_item, outcome=case.outcome)


def notify_voters(*, now: datetime, sender: Sender, limit: int = 500, template_id: str | None = None) -> int:
    """Tell each pending voter the published outcome, once; returns how many were reached (each one committed by
    `_tell_and_notify`)."""
    pending = select(DisposalNotice.id).where(DisposalNotice.channel.is_(None)).order_by(DisposalNotice.id)
    told = sum(_tell_and_notify(notice_id, now=now, sender=sender, template_id=template_id)
               for notice_id in db.session.scalars(pending.limit(limit)).all())
    if told:
        log.info("voters told disposal outcomes", n=told)
    return told


def _tell_and_notify(notice_id: int, *, now: datetime, sender: Sender, template_id: str | None) -> bool:
    """Claim the notice (conditional UPDATE to `sending`) and commit the claim, then send it and commit where it
    went: told once, an interrupted send never resent. Returns whether this run told the voter."""
    claimed = db.session.execute(update(DisposalNotice).where(DisposalNotice.id == notice_id,
                                                              DisposalNotice.channel.is_(None))
                                 .values(channel="sending"))
    tx.commit()
    if claimed.rowcount != 1:        # another process took it
        return False
    notice = db.session.get(DisposalNotice, notice_id)
    case = db.session.get(Disposal, notice.disposal_id)
    text = voter_text(case)
    template = notify.Template(template_id=template_id, data={
        "first": TEMPLATE_FIRST, "keyword1": case.result.sample_name, "keyword2": text[:180],
        "remark": "感谢您参与你点我检！"}) if template_id else None
    notice.channel = notify.reach(openid=notice.openid, text=text, source=f"disposal:{case.id}", now=now,
                                  sender=sender, template=template)
    notice.sent_at = now
    tx.commit()
    return True


def send_reminders(*, now: datetime, sender: Sender, template_id: str | None = None) -> int:
    """Remind for every open case that crossed a threshold not yet reminded; returns how many were sent."""
    sent = 0
    for case in db.session.scalars(select(Disposal).where(Disposal.status == DisposalStatus.OPEN)).all():
        level = case_reminders.reached(case, now)
        if level is not None:
            sent += _remind_and_notify(case, level, now=now, sender=sender, template_id=template_id)
    log.info("disposal reminders", sent=sent)
    return sent


def _remind_and_notify(case: Disposal, level: str, *, now: datetime, sender: Sender, template_id: str | None) -> bool:
    """Record the reminder and commit it, then alert the people: the unique (case, threshold) row is the claim, so
    two scheduler runs never both alert. Returns whether this run sent it."""
    order = [t for t, _ in case_reminders.THRESHOLDS]
    done = set(db.session.scalars(select(DisposalReminder.threshold).where(DisposalReminder.disposal_id == case.id)))
    if level in done:
        return False
    people = case_reminders.recipients(case)
    for threshold in order[: order.index(level) + 1]:   # lower thresholds passed unseen are settled too
        if threshold not in done:
            db.session.add(DisposalReminder(disposal_id=case.id, threshold=threshold, sent_at=now,
                                            recipients=len(people) if threshold == level else 0))
    try:
        tx.commit()
    except IntegrityError:                  # another scheduler run got here first
        db.session.rollback()
        return False
    text = REMINDER.format(number=case.number, name=case.result.sample_name, place=case.result.place,
                           label=dict(case_reminders.THRESHOLDS)[level], due=case.due_on)
    for person in people:
        staff_alerts.send(person=person, text=text, source=f"disposal:{case.id}:{level}", now=now, sender=sender,
                          template_id=template_id)
    return True
