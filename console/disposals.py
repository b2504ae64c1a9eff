"""核查处置 in the console: the cases opened for 不合格 sampling results (department-scoped like complaints), one case
with its result, clock, 复检 window and steps, and the step actions. Rules live in `services.disposals`; views parse
forms, commit once and render.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for

from console.auth import current_staff, login_required, writer_required
from console import disposals_api
from console.registry import Feature, NavItem, Widget, register_feature
from extensions import db
from models.disposal import DisposalStatus, Step
from services import DomainError, Invalid, campaign_report, case_access, deadlines, departments, disposals
from services.clock import utcnow

pages = Blueprint("disposals", __name__)

STATUSES = [("", "全部"), *((s.value, label) for s, label in disposals.STATUS_LABELS.items())]
BAD_DATE = "日期格式应为 2027-03-20"
STEP_DONE = "已记录「{label}」"
ASSIGNED = "已指定责任人"
TRANSFERRED = "已移交「{name}」"
TRANSFERRED_AWAY = "已移交「{name}」，该案件已不在您部门的列表中"


def _page(disposal_id: int, error: DomainError | None = None):
    me = current_staff()
    case = disposals.get(disposal_id, staff=me)
    rule = deadlines.clock(case.clock)
    members = departments.get(case.department_id).members if case.department_id else []
    return render_template(
        "disposals/case.html", case=case, result=case.result, rule=rule, steps=disposals.STEP_LABELS,
        done=disposals.done_steps(case), next_steps=disposals.next_steps(case), members=members,
        departments=departments.all_departments(),
        status_label=disposals.STATUS_LABELS[DisposalStatus(case.status)], overdue=disposals.overdue(case, utcnow()),
        error=error.message if error else None, values=dict(request.form) if error else {},
    ), error.status if error else 200


def _day(name: str) -> date | None:
    """A 开启日期 bound from the query string; one that does not parse is ignored."""
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


@pages.get("/")
@login_required
def index():
    me = current_staff()
    status = request.args.get("status", "")
    period = campaign_report.Period(_day("from"), _day("to"))
    found = disposals.listing(staff=me, status=status if status in set(DisposalStatus) else None, since=period.lo,
                              until=period.hi)
    names = {d.id: d.name for d in departments.all_departments()}
    return render_template("disposals/index.html", cases=found, statuses=STATUSES, status=status, names=names,
                           period=period,
                           labels=disposals.STATUS_LABELS, now=utcnow(), overdue=disposals.overdue,
                           rule=deadlines.clock(disposals.CLOCK))


@pages.get("/<int:disposal_id>")
@login_required
def case(disposal_id: int):
    return _page(disposal_id)


def _spec() -> disposals.StepSpec:
    try:
        on = date.fromisoformat(request.form.get("on", "").strip())
    except ValueError as exc:
        raise Invalid(BAD_DATE, field="on") from exc
    applied = request.form.get("applied")
    return disposals.StepSpec(step=request.form.get("step", ""), on=on, note=request.form.get("note", ""),
                              applied=None if applied is None else applied == "yes")


def _act(disposal_id: int, do):
    """Run one action on a 核查处置 and commit it; `do()` returns the page to go to next. A refused action shows the
    case page with the reason and changes nothing; an unknown case is 404."""
    try:
        target = do()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return _page(disposal_id, err)
    return target


@pages.post("/<int:disposal_id>/steps")
@writer_required
def record_step(disposal_id: int):
    def do():
        spec = _spec()
        disposals.record_step(disposal_id=disposal_id, spec=spec, by=current_staff(), now=utcnow())
        flash(STEP_DONE.format(label=disposals.STEP_LABELS[Step(spec.step)]), "ok")
        return redirect(url_for("disposals.case", disposal_id=disposal_id))
    return _act(disposal_id, do)


@pages.post("/<int:disposal_id>/assign")
@writer_required
def assign(disposal_id: int):
    value = request.form.get("assignee_id", "")

    def do():
        disposals.assign(disposal_id=disposal_id, assignee_id=int(value) if value.isdigit() else None,
                         by=current_staff(), now=utcnow())
        flash(ASSIGNED, "ok")
        return redirect(url_for("disposals.case", disposal_id=disposal_id))
    return _act(disposal_id, do)


@pages.post("/<int:disposal_id>/transfer")
@writer_required
def transfer(disposal_id: int):
    value = request.form.get("department_id", "")

    def do():
        case = disposals.transfer(disposal_id=disposal_id, department_id=int(value) if value.isdigit() else 0,
                                  by=current_staff(), now=utcnow())
        name = departments.get(case.department_id).name
        if not case_access.can_read(current_staff(), case):          # handed away: no longer on our list
            flash(TRANSFERRED_AWAY.format(name=name), "ok")
            return redirect(url_for("disposals.index"))
        flash(TRANSFERRED.format(name=name), "ok")
        return redirect(url_for("disposals.case", disposal_id=disposal_id))
    return _act(disposal_id, do)


def _open_count(me) -> int:
    return len(disposals.listing(staff=me, status=DisposalStatus.OPEN))


register_feature(Feature(
    name="disposals",
    pages=pages,
    api=disposals_api.api,
    nav=[NavItem("核查处置", "disposals.index", order=25)],
    widgets=[Widget("核查处置 办理中", count=_open_count, endpoint="disposals.index",
                    empty="没有办理中的核查处置。公布的抽检结果中有不合格时，会在抽样所在部门自动开启。", order=25)],
))
