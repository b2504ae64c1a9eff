"""核查处置: every 不合格 sampling result is followed up by the department where the sample was taken.

Guarantee: publishing a batch opens exactly one `Disposal` per failing result, in the same transaction that marks the
batch published (`sampling.publish` calls `open_for_batch`; `disposals.result_id` is unique), so a result is never
published without its case nor given two. The case runs the statutory clock `sampling_disposal` from the day it
opens (`services.deadlines`, stored on the case, reminded like complaints by `services.disposal_notices`).

Steps are data (`STEPS`, in order); each is recorded once. 送达检验报告 stores the day the business received the
report and from it the 复检 window (`sampling_recheck`, 食品安全法第八十八条: 7 working days, the receipt day not
counted). 处罚/结案 writes the outcome and stops the clock; 信息公开 makes the outcome public — the 抽检结果 chat reply
shows it and each voter of the result's items is told it once (`services.disposal_notices`).

Who may read or act is the complaints' rule (`services.case_access`): admins and viewers read all, staff their
department's; another department's case answers like a missing one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select

import logs
from extensions import db
from models import Ballot, BallotChoice, Department, Staff
from models.disposal import Disposal, DisposalNotice, DisposalStatus, DisposalStep, Step
from models.poll import SamplingBatch, SamplingResult, Verdict
from models.statutory_clock import ClockName
from services import Conflict, Invalid, NotFound, audit, case_access, deadlines, departments
from services.clock import china_today

log = logs.get(__name__)

CLOCK = ClockName.SAMPLING_DISPOSAL
RECHECK_CLOCK = ClockName.SAMPLING_RECHECK

STEP_LABELS: dict[Step, str] = {
    Step.SERVE_REPORT: "送达检验报告", Step.RECHECK: "复检申请", Step.OFF_SHELF: "责令下架/召回",
    Step.CONTROL_RISK: "控制风险", Step.INVESTIGATE: "立案调查", Step.CLOSE: "处罚/结案", Step.DISCLOSE: "信息公开",
}
STATUS_LABELS = {DisposalStatus.OPEN: "核查处置中", DisposalStatus.CLOSED: "已结案（未公开）",
                 DisposalStatus.PUBLISHED: "已公开"}
# Which steps each status allows; a step is recorded once (unique row).
ALLOWED: dict[DisposalStatus, set[Step]] = {
    DisposalStatus.OPEN: {Step.SERVE_REPORT, Step.RECHECK, Step.OFF_SHELF, Step.CONTROL_RISK, Step.INVESTIGATE,
                          Step.CLOSE},
    DisposalStatus.CLOSED: {Step.DISCLOSE},
    DisposalStatus.PUBLISHED: set(),
}

NOT_FOUND = "没有找到这个核查处置案件"
STEP_DONE = "「{label}」已记录，不能重复记录"
STEP_NOT_NOW = "案件{status}，不能记录「{label}」"
UNKNOWN_STEP = "未知的处置步骤"
SERVE_FIRST = "请先记录“送达检验报告”，复检申请期限从送达之日起算"
RECHECK_LATE = "复检申请期限已于{due}届满（收到检验结论之日起7个工作日），逾期申请不予受理"
OUTCOME_NEEDED = "结案请写明处置结果（将在信息公开后告知消费者）"
FUTURE_DAY = "日期不能晚于今天"
BEFORE_OPEN = "日期不能早于抽样日期"
OUTCOME_LINE = "核查处置：{outcome}"
TRANSFER_CLOSED = "已结案的核查处置不能再移交"
UNKNOWN_DEPARTMENT = "请选择承办部门"


@dataclass(frozen=True)
class StepSpec:
    step: str
    on: date
    note: str = ""
    applied: bool | None = None       # 复检申请: did the business apply


# --- opening --------------------------------------------------------------------------------------------------

def department_for(result: SamplingResult) -> Department | None:
    """Where the sample was taken: the department recorded with the result, else the 所 whose town the place names,
    else the default department."""
    if result.department_id:
        found = db.session.get(Department, result.department_id)
        if found is not None:
            return found
    return departments.for_address(result.place)


def open_for_batch(*, batch: SamplingBatch, by: Any, now: datetime) -> list[Disposal]:
    """Open a case for each 不合格 result of `batch` that has none (caller commits, with the publication)."""
    have = set(db.session.scalars(select(Disposal.result_id).where(
        Disposal.result_id.in_([r.id for r in batch.results]))))
    rule = deadlines.clock(CLOCK)
    start = china_today(now)
    opened = []
    for result in batch.results:
        if result.verdict != Verdict.FAIL or result.id in have:
            continue
        department = department_for(result)
        deadline = deadlines.due(rule, start)
        case = Disposal(result_id=result.id, poll_id=batch.poll_id,
                        department_id=department.id if department else None, status=DisposalStatus.OPEN,
                        opened_at=now, clock=rule.name, clock_started_at=now, due_on=deadline.due_on,
                        due_estimated=deadline.estimated, outcome="")
        db.session.add(case)
        db.session.flush()
        audit.record(actor=by, action="disposal.open", obj_type="disposal", obj_id=case.id, now=now,
                     after={"result": result.id, "department": case.department_id, "due_on": case.due_on})
        opened.append(case)
    if opened:
        log.info("disposals opened", batch=batch.id, n=len(opened))
    return opened


# --- reading --------------------------------------------------------------------------------------------------

def get(disposal_id: int, *, staff: Any) -> Disposal:
    case = db.session.get(Disposal, disposal_id)
    if case is None:
        raise NotFound(NOT_FOUND)
    try:
        case_access.require_read(staff, case)
    except NotFound as exc:
        raise NotFound(NOT_FOUND) from exc
    return case


def query(*, staff: Any, status: str | None = None, since: datetime | None = None,
          until: datetime | None = None) -> Select:
    """Cases `staff` may read, newest first; `since`/`until` bound the opening time (naive UTC, until exclusive).
    The console list and /api/disposals page through this same query."""
    stmt = select(Disposal).order_by(Disposal.opened_at.desc(), Disposal.id.desc())
    visible = case_access.visible_departments(staff)
    if visible is not None:
        stmt = stmt.where(Disposal.department_id.in_(visible))
    if status:
        stmt = stmt.where(Disposal.status == status)
    if since is not None:
        stmt = stmt.where(Disposal.opened_at >= since)
    if until is not None:
        stmt = stmt.where(Disposal.opened_at < until)
    return stmt


def listing(*, staff: Any, status: str | None = None, since: datetime | None = None,
            until: datetime | None = None) -> list[Disposal]:
    return list(db.session.scalars(query(staff=staff, status=status, since=since, until=until)))


def done_steps(case: Disposal) -> dict[str, DisposalStep]:
    return {s.step: s for s in case.steps}


def next_steps(case: Disposal) -> list[Step]:
    """The steps staff may still record, in the order of `STEP_LABELS`."""
    done = done_steps(case)
    return [s for s in STEP_LABELS if s in ALLOWED[DisposalStatus(case.status)] and s not in done]


def overdue(case: Disposal, now: datetime) -> bool:
    return case.status == DisposalStatus.OPEN and china_today(now) > case.due_on


def published_outcomes(result_ids: list[int]) -> dict[int, str]:
    """result id → the published outcome, for the results that have one (what consumers may read)."""
    if not result_ids:
        return {}
    rows = db.session.execute(select(Disposal.result_id, Disposal.outcome).where(
        Disposal.result_id.in_(result_ids), Disposal.status == DisposalStatus.PUBLISHED)).all()
    return {result_id: outcome for result_id, outcome in rows}


# --- acting ---------------------------------------------------------------------------------------------------

def record_step(*, disposal_id: int, spec: StepSpec, by: Any, now: datetime) -> Disposal:
    """Record one handling step (audited; caller commits). Raises Invalid/Conflict with the reason."""
    case = get(disposal_id, staff=by)
    case_access.require_act(by, case)
    try:
        step = Step(spec.step)
    except ValueError as exc:
        raise Invalid(UNKNOWN_STEP, field="step") from exc
    label = STEP_LABELS[step]
    if step in done_steps(case):
        raise Conflict(STEP_DONE.format(label=label))
    if step not in ALLOWED[DisposalStatus(case.status)]:
        raise Conflict(STEP_NOT_NOW.format(status=STATUS_LABELS[DisposalStatus(case.status)], label=label))
    if spec.on > china_today(now):
        raise Invalid(FUTURE_DAY, field="on")
    if spec.on < case.result.sampled_on:
        raise Invalid(BEFORE_OPEN, field="on")
    note = spec.note.strip()[:2000]
    _apply(case, step, spec, note, now)
    db.session.add(DisposalStep(disposal_id=case.id, step=step, on=spec.on, note=note,
                                by=(getattr(by, "username", None) or str(by))[:64], at=now))
    audit.record(actor=by, action=f"disposal.{step}", obj_type="disposal", obj_id=case.id, now=now,
                 after={"on": spec.on, "status": case.status, "applied": spec.applied})
    db.session.flush()
    return case


def _apply(case: Disposal, step: Step, spec: StepSpec, note: str, now: datetime) -> None:
    """What a step changes on the case besides its own row."""
    if step == Step.SERVE_REPORT:
        case.served_on = spec.on
        case.recheck_due_on = deadlines.due(deadlines.clock(RECHECK_CLOCK), spec.on).due_on
    elif step == Step.RECHECK:
        if case.served_on is None:
            raise Conflict(SERVE_FIRST)
        if spec.applied and spec.on > case.recheck_due_on:
            raise Invalid(RECHECK_LATE.format(due=case.recheck_due_on.isoformat()), field="on")
        case.recheck_applied = bool(spec.applied)
    elif step == Step.CLOSE:
        if not note:
            raise Invalid(OUTCOME_NEEDED, field="note")
        case.status, case.outcome, case.closed_at = DisposalStatus.CLOSED, note, now
        case.late = spec.on > case.due_on
    elif step == Step.DISCLOSE:
        case.status, case.published_at = DisposalStatus.PUBLISHED, now
        _queue_voters(case, now)


def _queue_voters(case: Disposal, now: datetime) -> int:
    """A pending notice for each voter who chose one of the result's items (unique per case and voter)."""
    option_ids = case.result.option_ids
    if not option_ids:
        return 0
    openids = set(db.session.scalars(
        select(Ballot.openid).join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.poll_id == case.poll_id, Ballot.openid.is_not(None), BallotChoice.option_id.in_(option_ids))))
    already = set(db.session.scalars(select(DisposalNotice.openid).where(DisposalNotice.disposal_id == case.id)))
    for openid in sorted(openids - already):
        db.session.add(DisposalNotice(disposal_id=case.id, openid=openid, created_at=now))
    return len(openids - already)


def transfer(*, disposal_id: int, department_id: int, by: Any, now: datetime) -> Disposal:
    """Hand the case to another department (the place named no town, or the sample was taken elsewhere): its staff
    or an admin may; the responsible person is cleared (audited; caller commits)."""
    case = get(disposal_id, staff=by)
    case_access.require_act(by, case)
    if case.status != DisposalStatus.OPEN:
        raise Conflict(TRANSFER_CLOSED)
    if db.session.get(Department, department_id) is None:
        raise Invalid(UNKNOWN_DEPARTMENT, field="department_id")
    before = {"department": case.department_id, "assignee": case.assignee_id}
    case.department_id, case.assignee_id = department_id, None
    audit.record(actor=by, action="disposal.transfer", obj_type="disposal", obj_id=case.id, now=now, before=before,
                 after={"department": department_id})
    db.session.flush()
    return case


def assign(*, disposal_id: int, assignee_id: int | None, by: Any, now: datetime) -> Disposal:
    """Name the responsible person (a member of the case's department; admins may pick anyone active)."""
    case = get(disposal_id, staff=by)
    case_access.require_act(by, case)
    if assignee_id is not None:
        person = db.session.get(Staff, assignee_id)
        if person is None or not person.active or (
                not case_access.is_admin(by) and person.department_id != case.department_id):
            raise Invalid("请选择本部门在岗的工作人员", field="assignee_id")
    before = case.assignee_id
    case.assignee_id = assignee_id
    audit.record(actor=by, action="disposal.assign", obj_type="disposal", obj_id=case.id, now=now,
                 before={"assignee": before}, after={"assignee": assignee_id})
    db.session.flush()
    return case
