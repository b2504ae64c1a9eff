"""Handling a case: the status transition table, the statutory clocks it starts and stops, and the notice to the
consumer at every status change (customer-service message in the 48-hour window, else the configured template,
else shown at their next message — `services.notify`).

`move()` is the only place a status changes. Staff actions are in `services.case_actions`.
"""
from __future__ import annotations

from datetime import datetime


import logs
from extensions import db
from models.case_event import CaseEvent, EventKind
from models.complaint import Case, Kind, Status
from models.statutory_clock import ClockName
from services import Conflict, deadlines, notify
from services.clock import china_today, plain_date
from services.sender import Sender

log = logs.get(__name__)

# Status transitions per kind are data (STYLE 11). Anything not listed is refused with ILLEGAL.
ALLOWED: dict[Kind, dict[Status, set[Status]]] = {
    Kind.COMPLAINT: {
        Status.SUBMITTED: {Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.PAUSED, Status.CLOSED},
        Status.PAUSED: {Status.ACCEPTED, Status.CLOSED},
    },
    Kind.REPORT: {
        Status.SUBMITTED: {Status.FILED, Status.NOT_FILED, Status.WITHDRAWN},
        Status.FILED: {Status.CLOSED},
    },
}

LABELS: dict[Kind, dict[Status, str]] = {
    Kind.COMPLAINT: {Status.SUBMITTED: "待受理", Status.ACCEPTED: "已受理，调解中", Status.PAUSED: "检测鉴定中",
                     Status.REJECTED: "不予受理", Status.CLOSED: "已办结", Status.WITHDRAWN: "已撤回"},
    Kind.REPORT: {Status.SUBMITTED: "待核查", Status.FILED: "已立案", Status.NOT_FILED: "不予立案",
                  Status.CLOSED: "已办结", Status.WITHDRAWN: "已撤回"},
}

# The clock a status runs (a status not listed runs none). Pausing keeps the mediation clock but stops its count.
RUNS: dict[tuple[Kind, Status], ClockName] = {
    (Kind.COMPLAINT, Status.SUBMITTED): ClockName.COMPLAINT_ACCEPTANCE,
    (Kind.COMPLAINT, Status.ACCEPTED): ClockName.COMPLAINT_MEDIATION,
    (Kind.COMPLAINT, Status.PAUSED): ClockName.COMPLAINT_MEDIATION,
    (Kind.REPORT, Status.SUBMITTED): ClockName.REPORT_VERIFICATION,
}
FINAL = {Status.REJECTED, Status.NOT_FILED, Status.CLOSED, Status.WITHDRAWN}
# A 复核 (after a poor rating) may reopen a closed case: it goes back to handling, with a fresh clock where the
# handling status runs one. Only finish_review reopens; no ordinary action moves a closed case.
REOPEN: dict[Kind, Status] = {Kind.COMPLAINT: Status.ACCEPTED, Kind.REPORT: Status.FILED}

ILLEGAL = "案件{number}当前为「{current}」，不能改为「{target}」。"

NOTICE = "【案件进度】您的{kind}（编号 {number}）{what}"
WHAT: dict[tuple[Kind, Status], str] = {
    (Kind.COMPLAINT, Status.ACCEPTED): "已受理，我们将组织调解，预计 {due} 前调解完毕。",
    (Kind.COMPLAINT, Status.PAUSED): "进入检测/鉴定，检测鉴定期间不计入调解期限。{extra}",
    (Kind.COMPLAINT, Status.REJECTED): "不予受理。理由：{extra}。您还可以通过协商和解、消费者协会调解、仲裁或向人民法院起诉等途径解决。",
    (Kind.COMPLAINT, Status.CLOSED): "已办结：{extra}。如对处理满意与否，请回复“评价”为我们打分。",
    (Kind.COMPLAINT, Status.WITHDRAWN): "已撤回。",
    (Kind.REPORT, Status.FILED): "经核查已立案调查，感谢您的举报。",
    (Kind.REPORT, Status.NOT_FILED): "经核查不予立案。理由：{extra}。感谢您的举报。",
    (Kind.REPORT, Status.CLOSED): "已办结：{extra}。感谢您的举报，欢迎回复“评价”为我们打分。",
    (Kind.REPORT, Status.WITHDRAWN): "已撤回。",
}
RESUMED = "检测鉴定已结束，调解继续，预计 {due} 前调解完毕。"
REPLY = "【案件回复】关于您的{kind}（编号 {number}）：{text}"
CHANNELS = {"custom": "已通过客服消息通知消费者", "template": "已通过模板消息通知消费者",
            "subscription": "已通过订阅通知告知消费者", "deferred": "消费者不在48小时窗口内，通知将在其下次留言时显示",
            "skipped": "消费者已取消关注，未能通知"}
TEMPLATE_REMARK = "详情请在公众号回复“查询 {number}”"


def status_label(case: Case, status: str | None = None) -> str:
    return LABELS[Kind(case.kind)].get(Status(status or case.status), str(status or case.status))


def allowed(case: Case) -> set[Status]:
    return ALLOWED[Kind(case.kind)].get(Status(case.status), set())


def move(case: Case, target: Status, *, now: datetime, actor, text: str = "", reopen: bool = False) -> Case:
    """Change the status if the table allows it, stop/start/pause the clocks, and add the history event.

    `reopen` lets a 复核 take a closed case back to REOPEN[kind] (nothing else may).
    Raises Conflict (with the reason in Chinese) for an illegal transition. The caller commits and notifies."""
    current = Status(case.status)
    reopening = reopen and current == Status.CLOSED and target == REOPEN[Kind(case.kind)]
    if target not in allowed(case) and not reopening:
        raise Conflict(ILLEGAL.format(number=case.number, current=status_label(case),
                                      target=status_label(case, target)), field="status")
    today = china_today(now)
    old_clock = RUNS.get((Kind(case.kind), current))
    new_clock = RUNS.get((Kind(case.kind), target))
    if current == Status.PAUSED:     # testing/appraisal time is not counted (实施条例第46条): the date moves, told again
        case.paused_days += max((today - china_today(case.paused_at or now)).days, 0)
        case.paused_at = None
        _restart(case)
    if old_clock and old_clock != new_clock and case.due_on is not None and today > case.due_on:
        case.late = True
    if target == Status.PAUSED:
        case.paused_at = now
    elif new_clock and new_clock != old_clock:
        _start(case, new_clock, now)
    elif not new_clock:
        case.clock, case.due_on, case.due_estimated = None, None, False
    if target in {Status.ACCEPTED, Status.FILED} and case.accepted_at is None:
        case.accepted_at = now
    if target in FINAL:
        case.closed_at = now
    if reopening:
        case.closed_at, case.outcome, case.outcome_reason = None, None, None
    case.status = target
    case.updated_at = now
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.STATUS, from_status=current, to_status=target,
                             text=text, visible=True, staff_id=getattr(actor, "id", None)))
    log.info("case status", case=case.number, status=str(target))
    return case


def _start(case: Case, name: str, now: datetime) -> None:
    rule = deadlines.clock(name)
    deadline = deadlines.due(rule, china_today(now))
    case.clock, case.clock_started_at, case.paused_days = name, now, 0
    case.due_on, case.due_estimated = deadline.due_on, deadline.estimated


def _restart(case: Case) -> None:
    rule = deadlines.clock(case.clock or ClockName.COMPLAINT_MEDIATION)
    start = china_today(case.clock_started_at or case.received_at)
    deadline = deadlines.due(rule, start, paused_days=case.paused_days)
    case.due_on, case.due_estimated = deadline.due_on, deadline.estimated


def notice_text(case: Case, *, extra: str = "", resumed: bool = False) -> str:
    due = plain_date(case.due_on) if case.due_on else ""
    what = RESUMED if resumed else WHAT.get((Kind(case.kind), Status(case.status)), "状态更新为「{label}」。")
    return NOTICE.format(kind=case.kind_label, number=case.number,
                         what=what.format(due=due, extra=extra, label=status_label(case)))


def tell(case: Case, text: str, *, now: datetime, sender: Sender, source: str) -> str:
    """Reach the consumer by the best channel and record it; returns the channel (caller commits)."""
    # The account's template ids travel with the sender (configured in config.py, wired in bot/__init__.py).
    templates = getattr(sender, "templates", {})
    template_id = str(templates.get("case_status") or "")
    subscription_id = str(templates.get("case_status_subscription") or "")
    data = {"first": text[:100], "keyword1": case.number, "keyword2": status_label(case),
            "keyword3": plain_date(case.due_on) if case.due_on else "-",
            "remark": TEMPLATE_REMARK.format(number=case.number)}
    channel = notify.reach(
        openid=case.openid, text=text, source=f"case:{case.number}:{source}", now=now, sender=sender,
        template=notify.Template(template_id=template_id, data=data) if template_id else None,
        subscription=notify.Template(template_id=subscription_id, data={
            "character_string1": case.number, "phrase2": status_label(case)[:5], "thing3": text[:20]})
        if subscription_id else None)
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.NOTIFIED, text=CHANNELS.get(channel, channel)))
    return channel
