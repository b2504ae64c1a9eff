"""What staff do to a case, each checked against `case_access`, audited, and — when the status changes — told to
the consumer.

Transactions (services/tx.py): an action that tells the consumer is named `..._and_notify`; it commits the change
and its audit record first (through `tx.commit()`), then notifies and records the attempt, which the edge commits.
The other actions (assign, mediate, note, 12315 number, sector) only change the session; the edge commits them.

Reasons the law asks for are lists here (statutory non-acceptance reasons, reasons not to open a case).
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

import logs
from extensions import db
from models import Department, Staff
from models.case_event import CaseEvent, EventKind
from models.case_followup import CaseReview
from models.complaint import Case, Kind, Outcome, Status
from services import Invalid, NotFound, amounts, audit, case_access, case_flow, tx
from services.clock import plain_date
from services.sender import Sender

log = logs.get(__name__)

# 不予受理 (消法实施条例第46条 asks for reasons; the list follows the complaint rule's enumeration — its article
# numbers changed in 2026, law-facts §0.2, so none is cited).
REJECT_REASONS = [
    "不属于市场监督管理部门职责，或者本行政机关不具有处理权限",
    "法院、仲裁机构、市场监督管理部门或者其他行政机关、消费者协会或者依法成立的其他调解组织已经受理或者处理过同一消费者权益争议",
    "不是为生活消费需要购买、使用商品或者接受服务，或者不能证明与被投诉人之间存在消费者权益争议",
    "除法律另有规定外，投诉人知道或者应当知道自己的权益受到被投诉人侵害之日起超过三年",
    "未提供真实身份信息、被投诉人、具体投诉请求和事实依据等必要材料",
    "法律、法规、规章规定不予受理的其他情形",
]
# 举报 not opened as a case (《市场监督管理行政处罚程序规定》第19、20条).
NOT_FILED_REASONS = [
    "现有证据不能初步证明存在违法行为",
    "违法行为轻微并及时改正，没有造成危害后果",
    "初次违法且危害后果轻微并及时改正",
    "当事人有证据足以证明没有主观过错",
    "不属于本部门管辖，已移送有管辖权的部门",
    "超过行政处罚时效",
]
SECTORS = ["食品", "餐饮住宿", "药品医疗器械", "化妆品", "家用电器", "通讯器材", "服装鞋帽", "交通工具",
           "装修建材", "美容美发", "教育培训", "预付卡消费", "网络购物", "其他"]
CLOSE_OUTCOMES = {Kind.COMPLAINT: [Outcome.SETTLED, Outcome.FAILED, Outcome.TERMINATED],
                  Kind.REPORT: [Outcome.HANDLED, Outcome.TERMINATED]}
NUMBER_12315_RE = re.compile(r"^[0-9A-Za-z-]{6,40}$")

NOT_FOUND = "案件不存在"
PICK_REASON = "请从列表中选择不予受理的理由"
PICK_NOT_FILED = "请从列表中选择不予立案的理由"
REASON_REQUIRED = "请填写理由"
BAD_RECOVERED = "挽回经济损失请填写投诉的金额（元），如 1200 或 58.5；没有可不填"
TEXT_REQUIRED = "请填写内容"
BAD_OUTCOME = "办结结果只能是：{choices}"
BAD_12315 = "12315 编号应为 6 到 40 位字母、数字或连字符"
BAD_SECTOR = "行业只能从列表中选择"
ASSIGNEE_ELSEWHERE = "责任人必须是所选部门的工作人员"
STAFF_NOT_FOUND = "工作人员不存在"
DEPARTMENT_NOT_FOUND = "部门不存在"
NO_REVIEW = "该案件没有待处理的复核任务"
HEAD_ONLY = "复核由部门负责人或管理员办理"
TRANSFERRED = "已交办给「{name}」。该案件已不在您部门的列表中"
NO_STAFF = "注意：「{name}」目前没有在岗工作人员，交办的案件无人接收，请联系管理员为该部门添加人员"
NOT_CLOSED = "案件尚未办结，无需重新办理"
REVIEWED = "【复核结果】您的{kind}（编号 {number}）经部门负责人复核：{note}"
REVIEW_REOPENED = "案件已重新办理，{due}我们会再次告知您结果。"


MAX_ID = 2**31 - 1                  # an id no INTEGER column holds is simply not found


def _row(model, ident: int | None):
    return db.session.get(model, ident) if ident is not None and 0 < ident <= MAX_ID else None


def get(case_id: int) -> Case:
    case = _row(Case, case_id)
    if case is None:
        raise NotFound(NOT_FOUND, field="case_id")
    return case


def _load(case_id: int, by: Any) -> Case:
    case = get(case_id)
    case_access.require_act(by, case)
    return case


def _audit(case: Case, by: Any, action: str, now: datetime, before: dict | None = None,
           after: dict | None = None) -> None:
    audit.record(actor=by, action=f"complaint.{action}", obj_type="case", obj_id=case.number, before=before,
                 after=after, now=now)


def _move_and_notify(case: Case, target: Status, *, by: Any, now: datetime, sender: Sender, action: str,
                     text: str = "", extra: str = "", audited: dict | None = None) -> Case:
    before = {"status": case.status, "due_on": case.due_on}
    resumed = case.status == Status.PAUSED and target == Status.ACCEPTED
    case_flow.move(case, target, now=now, actor=by, text=text)
    _audit(case, by, action, now, before, {"status": case.status, "due_on": case.due_on, "reason": text or None,
                                           **(audited or {})})
    tx.commit()                                           # the change stands before anyone is told about it
    case_flow.tell(case, case_flow.notice_text(case, extra=extra, resumed=resumed), now=now, sender=sender,
                   source=str(target))                   # the attempt is recorded in the edge's transaction
    return case


def accept_and_notify(*, case_id: int, by: Any, now: datetime, sender: Sender) -> Case:
    """受理: starts the 60-day mediation clock and tells the consumer its date."""
    return _move_and_notify(_load(case_id, by), Status.ACCEPTED, by=by, now=now, sender=sender, action="accept",
                            text="受理")


def reject_and_notify(*, case_id: int, reason: str, by: Any, now: datetime, sender: Sender,
                      detail: str = "") -> Case:
    """不予受理 with one of the statutory reasons (and an optional explanation)."""
    if reason not in REJECT_REASONS:
        raise Invalid(PICK_REASON, field="reason")
    case = _load(case_id, by)
    case.reject_reason = reason[:100]
    text = reason + (f"（{detail.strip()}）" if detail.strip() else "")
    return _move_and_notify(case, Status.REJECTED, by=by, now=now, sender=sender, action="reject", text=text,
                            extra=text)


def decide_report_and_notify(*, case_id: int, open_case: bool, reason: str, by: Any, now: datetime,
                             sender: Sender) -> Case:
    """举报: 立案, or 不予立案 with a reason from the list."""
    case = _load(case_id, by)
    if open_case:
        return _move_and_notify(case, Status.FILED, by=by, now=now, sender=sender, action="file", text="立案")
    if reason not in NOT_FILED_REASONS:
        raise Invalid(PICK_NOT_FILED, field="reason")
    case.reject_reason = reason[:100]
    return _move_and_notify(case, Status.NOT_FILED, by=by, now=now, sender=sender, action="not_file", text=reason,
                            extra=reason)


def pause_and_notify(*, case_id: int, reason: str, by: Any, now: datetime, sender: Sender) -> Case:
    """Pause the mediation clock for testing or appraisal (not counted, 实施条例第46条)."""
    if not (reason or "").strip():
        raise Invalid(REASON_REQUIRED, field="reason")
    return _move_and_notify(_load(case_id, by), Status.PAUSED, by=by, now=now, sender=sender, action="pause",
                            text=reason.strip(), extra=reason.strip())


def resume_and_notify(*, case_id: int, by: Any, now: datetime, sender: Sender) -> Case:
    """Testing is over: mediation continues with the date moved by the paused days, told again."""
    return _move_and_notify(_load(case_id, by), Status.ACCEPTED, by=by, now=now, sender=sender, action="resume",
                            text="检测鉴定结束，恢复调解")


def close_and_notify(*, case_id: int, outcome: str, reason: str, by: Any, now: datetime, sender: Sender,
                     recovered: str = "") -> Case:
    """办结 with 调解成功 / 调解不成 / 终止 (终止 and 调解不成 need a reason); a 投诉 may record the 挽回经济损失
    (`recovered`, yuan as staff type it: 1200, 58.5, 1千2), audited with the closing and counted in the 活动情况 report."""
    case = _load(case_id, by)
    choices = CLOSE_OUTCOMES[Kind(case.kind)]
    if outcome not in choices:
        raise Invalid(BAD_OUTCOME.format(choices="、".join(choices)), field="outcome")
    reason = (reason or "").strip()
    if outcome in {Outcome.TERMINATED, Outcome.FAILED} and not reason:
        raise Invalid(REASON_REQUIRED, field="reason")
    amount = None
    if (recovered or "").strip():
        amount = amounts.parse(recovered)
        if case.kind != Kind.COMPLAINT or amount is None or amount < 0:
            raise Invalid(BAD_RECOVERED, field="recovered")
    case.outcome, case.outcome_reason, case.recovered = outcome, reason or None, amount
    text = outcome + (f"（{reason}）" if reason else "")
    return _move_and_notify(case, Status.CLOSED, by=by, now=now, sender=sender, action="close", text=text, extra=text,
                            audited={"recovered": str(amount)} if amount is not None else None)


def assign(*, case_id: int, department_id: int, assignee_id: int | None, by: Any, now: datetime) -> Case:
    """Set the responsible department (责任部门) and person (责任人); the person must belong to it."""
    case = _load(case_id, by)
    department = _row(Department, department_id)
    if department is None:
        raise NotFound(DEPARTMENT_NOT_FOUND, field="department_id")
    person = None
    if assignee_id is not None:
        person = _row(Staff, assignee_id)
        if person is None:
            raise NotFound(STAFF_NOT_FOUND, field="assignee_id")
        if person.department_id != department.id:
            raise Invalid(ASSIGNEE_ELSEWHERE, field="assignee_id")
    before = {"department_id": case.department_id, "assignee_id": case.assignee_id}
    case.department_id, case.assignee_id, case.updated_at = department.id, assignee_id, now
    label = department.name + (f" / {person.name}" if person else "")
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.ASSIGNED, text=f"交办：{label}",
                             staff_id=getattr(by, "id", None)))
    _audit(case, by, "assign", now, before, {"department_id": department.id, "assignee_id": assignee_id})
    db.session.flush()
    return case


def _event(case_id: int, kind: EventKind, text: str, *, by: Any, now: datetime, action: str,
           visible: bool = False, limit: int = 2000) -> tuple[Case, CaseEvent]:
    case = _load(case_id, by)
    text = (text or "").strip()
    if not text:
        raise Invalid(TEXT_REQUIRED, field="text")
    event = CaseEvent(case_id=case.id, at=now, kind=kind, text=text[:limit], visible=visible,
                      staff_id=getattr(by, "id", None))
    db.session.add(event)
    case.updated_at = now
    _audit(case, by, action, now, None, {"event": str(kind)})
    return case, event


def mediate(*, case_id: int, text: str, by: Any, now: datetime) -> CaseEvent:
    """Record mediation progress (internal)."""
    _, event = _event(case_id, EventKind.MEDIATION, text, by=by, now=now, action="mediation")
    db.session.flush()
    return event


def note(*, case_id: int, text: str, by: Any, now: datetime) -> CaseEvent:
    """An internal note: never shown to the consumer."""
    _, event = _event(case_id, EventKind.NOTE, text, by=by, now=now, action="note")
    db.session.flush()
    return event


def reply_and_notify(*, case_id: int, text: str, by: Any, now: datetime, sender: Sender) -> CaseEvent:
    """A reply to the consumer: recorded, then sent by the best channel."""
    case, event = _event(case_id, EventKind.REPLY, text, by=by, now=now, action="reply", visible=True, limit=600)
    tx.commit()                                           # the reply stands before the consumer reads it
    case_flow.tell(case, case_flow.REPLY.format(kind=case.kind_label, number=case.number, text=event.text),
                   now=now, sender=sender, source="reply")
    return event


def set_12315(*, case_id: int, number: str, by: Any, now: datetime) -> Case:
    """Record the case's number on the national 12315 platform."""
    number = (number or "").strip()
    if not NUMBER_12315_RE.match(number):
        raise Invalid(BAD_12315, field="number_12315")
    case = _load(case_id, by)
    before = {"number_12315": case.number_12315}
    case.number_12315, case.updated_at = number, now
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.NUMBER_12315, text=f"12315 编号：{number}",
                             staff_id=getattr(by, "id", None)))
    _audit(case, by, "12315", now, before, {"number_12315": number})
    db.session.flush()
    return case


def set_sector(*, case_id: int, sector: str, by: Any, now: datetime) -> Case:
    """Classify the case by sector (行业) for the activity report."""
    if sector not in SECTORS:
        raise Invalid(BAD_SECTOR, field="sector")
    case = _load(case_id, by)
    before = {"sector": case.sector}
    case.sector, case.updated_at = sector, now
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.SECTOR, text=f"行业：{sector}",
                             staff_id=getattr(by, "id", None)))
    _audit(case, by, "sector", now, before, {"sector": sector})
    db.session.flush()
    return case


def finish_review_and_notify(*, case_id: int, text: str, by: Any, now: datetime, sender: Sender,
                  reopen: bool = False) -> CaseReview:
    """The department head (or an admin) concludes the 复核 opened by a poor rating; `reopen` takes the closed case
    back to handling with a fresh clock. Either way the consumer is told the review's conclusion."""
    case = get(case_id)
    review = db.session.scalar(select(CaseReview).where(CaseReview.case_id == case.id, CaseReview.done_at.is_(None)))
    if review is None:
        raise NotFound(NO_REVIEW)
    if not (case_access.is_admin(by) or (getattr(by, "head_of_id", None) is not None
                                        and by.head_of_id == review.department_id)):
        raise case_access.PermissionDenied(HEAD_ONLY)
    if not (text or "").strip():
        raise Invalid(TEXT_REQUIRED, field="text")
    if reopen and case.status != Status.CLOSED:
        raise Invalid(NOT_CLOSED, field="reopen")
    review.done_at, review.note = now, text.strip()[:2000]
    before = {"status": case.status, "due_on": case.due_on}
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.REVIEW, text=f"复核完成：{review.note}",
                             staff_id=getattr(by, "id", None)))
    if reopen:
        case_flow.move(case, case_flow.REOPEN[Kind(case.kind)], now=now, actor=by, text="复核后重新办理",
                       reopen=True)
    _audit(case, by, "review", now, before, {"review": "done", "reopened": reopen, "status": case.status,
                                            "due_on": case.due_on})
    tx.commit()                                           # the conclusion stands before the consumer hears it
    notice = REVIEWED.format(kind=case.kind_label, number=case.number, note=review.note[:300])
    if reopen:
        due = f"预计 {plain_date(case.due_on)} 前办结，" if case.due_on else ""
        notice += REVIEW_REOPENED.format(due=due)
    case_flow.tell(case, notice, now=now, sender=sender, source="review")
    return review
