"""投诉举报 in the console: the queues, one case with its whole history and photos, every handling action, the
statutory clocks (admins edit), and the 活动情况上报 Excel export. The JSON API is `console.complaints_api`.

Views call `services.case_queries` to read and `services.case_actions` to act; permissions are checked there and
by the decorators here (viewers are read-only; another department's case is a 404).
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from console.api import paginate
from console.auth import current_staff, login_required, writer_required
from console.registry import Feature, NavItem, Widget, register_feature
from extensions import db
from sqlalchemy import select

from models import Case, Staff
from services import DomainError, case_access, case_actions, case_commands, case_evidence, case_flow, case_queries, \
    deadlines, departments
from services import audit, campaign_report, complaint_export
from services.clock import china_today, utcnow

pages = Blueprint("complaints", __name__)

DONE = {"accept": "已受理，已通知消费者", "reject": "已决定不予受理，已通知消费者", "file": "已立案，已通知举报人",
        "not_file": "已决定不予立案，已通知举报人", "pause": "已暂停计时（检测鉴定）", "resume": "已恢复调解",
        "close": "已办结，已通知消费者", "assign": "已交办", "mediate": "已记录调解情况", "note": "已添加内部备注",
        "reply": "已回复消费者", "12315": "已记录 12315 编号", "sector": "已设置行业", "review": "复核已完成，已告知消费者"}
BULK_EMPTY = "请勾选案件并选择承办部门"
BULK_DONE = "已交办 {done} 件；{refused} 件未能交办（无权限或已办结）"
NO_STAFF, TRANSFERRED = case_actions.NO_STAFF, case_actions.TRANSFERRED
CLOCK_SAVED = "已保存「{title}」，之后登记的案件按新期限计算；已告知消费者的期限不变"
BAD_DATE = "日期格式应为 2026-11-28"
QUEUES = [("", "全部"), ("submitted", "待受理/待核查"), ("accepted", "调解中"), ("paused", "检测鉴定中"),
          ("filed", "已立案"), ("closed", "已办结"), ("rejected", "不予受理"), ("not_filed", "不予立案"),
          ("withdrawn", "已撤回")]
UNKNOWN_YEAR = "{year}年的放假安排尚未录入，跨入该年的期限按法定节日规则估算（不含调休），案件上标“估算”。" \
               "国务院办公厅公布安排后请在「工作日日历」中导入，估算的期限会自动重新计算。"
DUE_FILTERS = [("", "不限"), ("soon", "即将到期"), ("overdue", "已超期")]


def _int(name: str) -> int | None:
    value = request.values.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _period(start: str, end: str) -> "campaign_report.Period":
    """The 登记日期 filter: China days from/to (inclusive); a date that does not parse is ignored."""
    def day(value: str) -> date | None:
        try:
            return date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            return None
    return campaign_report.Period(day(start), day(end))


def _sender():
    return current_app.extensions["outbound"].sender


@pages.get("/")
@login_required
def index():
    me, now = current_staff(), utcnow()
    filters = {"status": request.args.get("status", ""), "kind": request.args.get("kind", ""),
               "due": request.args.get("due", ""), "number": request.args.get("number", "").strip(),
               "q": request.args.get("q", "").strip()[:100], "sort": request.args.get("sort", ""),
               "open": "1" if request.args.get("open") == "1" else ""}
    department_id, assignee = _int("department_id"), request.args.get("assignee", "")
    period = _period(request.args.get("from", ""), request.args.get("to", ""))
    filters.update({"from": period.start.isoformat() if period.start else "",
                    "to": period.end.isoformat() if period.end else ""})
    assignee_id = me.id if assignee == "me" else 0 if assignee == "none" else None
    query = case_queries.queue(viewer=me, now=now, status=filters["status"] or None, kind=filters["kind"] or None,
                               department_id=department_id, assignee_id=assignee_id, due=filters["due"] or None,
                               number=filters["number"] or None, review=request.args.get("review") == "1",
                               text=filters["q"] or None, sort=filters["sort"] or None,
                               open_only=bool(filters["open"]), received_from=period.lo, received_to=period.hi)
    page = paginate(query, {"page": _int("page") or 1, "per_page": 20})
    args = {k: v for k, v in {**filters, "department_id": department_id or "", "assignee": assignee,
                               "review": request.args.get("review", "")}.items() if v}
    all_departments = departments.all_departments()
    assignees = {p.id: p.name for p in db.session.scalars(select(Staff).where(
        Staff.id.in_([c.assignee_id for c in page["items"] if c.assignee_id] or [-1])))}
    today = china_today(now)
    return render_template("complaints/index.html", page=page, args=args, filters=filters, assignee=assignee,
                           department_id=department_id, queues=QUEUES, due_filters=DUE_FILTERS,
                           departments=all_departments, today=today, assignees=assignees,
                           staff_of={d.id: [p for p in d.members if p.active] for d in all_departments},
                           export_start=today - timedelta(days=30), export_end=today,
                           label=case_flow.status_label, flag=case_queries.overdue_flag, person=case_access.person,
                           dept_names={d.id: d.name for d in all_departments})


@pages.post("/bulk-assign")
@writer_required
def bulk_assign():
    """Assign several cases at once to one department (and person); each case is checked and audited on its own."""
    me, ids = current_staff(), [int(v) for v in request.form.getlist("case_ids") if v.isdigit()]
    department_id, assignee_id = _int("department_id"), _int("assignee_id")
    if not ids or not department_id:
        flash(BULK_EMPTY, "warn")
        return redirect(request.referrer if _same_site(request.referrer) else url_for("complaints.index"))
    done, refused = 0, 0
    for case_id in ids[:100]:
        try:
            case_actions.assign(case_id=case_id, department_id=department_id, assignee_id=assignee_id, by=me,
                                now=utcnow())
            db.session.commit()                 # each case on its own: a refused one does not undo the others
            done += 1
        except DomainError:
            db.session.rollback()
            refused += 1
    flash(BULK_DONE.format(done=done, refused=refused), "ok" if not refused else "warn")
    _warn_if_unstaffed(department_id)
    return redirect(url_for("complaints.index"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url + "console/")


def _warn_if_unstaffed(department_id: int | None) -> None:
    dept = departments.get(department_id) if department_id else None
    if dept is not None and not any(p.active for p in dept.members):
        flash(NO_STAFF.format(name=dept.name), "warn")


def _case_page(case_id: int, *, error: str | None = None, status: int = 200):
    me = current_staff()
    case = case_queries.get_for(me, case_id)
    dept = departments.get(case.department_id) if case.department_id else None
    staff_of = {d.id: [p for p in d.members if p.active] for d in departments.all_departments()}
    return render_template(
        "complaints/case.html", case=case, me=me, error=error, person=case_access.person(me, case),
        can_act=case_access.can_act(me, case), history=case_queries.history(case.id),
        photos=case_queries.photos(case.id), rating=case_queries.rating(case.id),
        review=case_queries.review(case.id), label=case_flow.status_label, allowed=case_flow.allowed(case),
        clock=deadlines.clock(case.clock) if case.clock else None, department=dept,
        assignee=db.session.get(Staff, case.assignee_id) if case.assignee_id else None,
        departments=departments.all_departments(), staff_of=staff_of, reject_reasons=case_actions.REJECT_REASONS,
        not_filed_reasons=case_actions.NOT_FILED_REASONS, sectors=case_actions.SECTORS,
        outcomes=case_actions.CLOSE_OUTCOMES, photo_labels=case_evidence.STATUS_LABELS,
        warning=deadlines.UNKNOWN_YEAR_WARNING.format(year=case.due_on.year) if case.due_estimated and case.due_on
        else None, flag=case_queries.overdue_flag(case, china_today(utcnow())),
        sees_evidence=case_access.sees_personal(me, case),
        staff_names={p.id: p.name for p in db.session.scalars(select(Staff))},
        is_head=case_access.is_admin(me) or (me.head_of_id is not None and me.head_of_id == case.department_id),
    ), status


@pages.get("/<int:case_id>")
@login_required
def case(case_id: int):
    return _case_page(case_id)


@pages.post("/<int:case_id>/<action>")
@writer_required
def act(case_id: int, action: str):
    try:
        case_commands.perform(action, case_id=case_id, by=current_staff(), now=utcnow(), sender=_sender(),
                              fields={**request.form.to_dict(), "department_id": _int("department_id"),
                                      "assignee_id": _int("assignee_id")})
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return _case_page(case_id, error=err.message, status=err.status)
    case = db.session.get(Case, case_id)
    if action == "assign" and not case_access.can_read(current_staff(), case):
        # transferred away: its page is no longer ours, so say where it went on the list
        flash(TRANSFERRED.format(name=departments.get(case.department_id).name), "ok")
        _warn_if_unstaffed(case.department_id)
        return redirect(url_for("complaints.index"))
    flash(DONE.get(action, "已保存"), "ok")
    if action == "assign":
        _warn_if_unstaffed(case.department_id)
    return redirect(url_for("complaints.case", case_id=case_id))


@pages.get("/<int:case_id>/print")
@login_required
def print_view(case_id: int):
    """The case as a 投诉处理单 / 举报处理单 for the paper file (print from the browser, or save as PDF)."""
    me = current_staff()
    case = case_queries.get_for(me, case_id)
    names = {p.id: p.name for p in db.session.scalars(select(Staff))}
    return render_template("complaints/print.html", case=case, person=case_access.person(me, case),
                           history=case_queries.history(case.id), label=case_flow.status_label, staff_names=names,
                           department=departments.get(case.department_id) if case.department_id else None,
                           assignee=names.get(case.assignee_id), printed_at=utcnow(), me=me)


@pages.get("/<int:case_id>/photos/<int:photo_id>")
@login_required
def photo(case_id: int, photo_id: int):
    case_access.require_evidence(current_staff(), case_queries.get_for(current_staff(), case_id))
    found = case_evidence.get(photo_id)
    if found is None or found.case_id != case_id or found.data is None:
        abort(404)
    return Response(found.data, mimetype=found.content_type or "image/jpeg",
                    headers={"Cache-Control": "private, max-age=3600"})


@pages.get("/export.xlsx")
@login_required
def export():
    today = china_today(utcnow())
    try:
        start = date.fromisoformat(request.args.get("start") or (today - timedelta(days=30)).isoformat())
        end = date.fromisoformat(request.args.get("end") or today.isoformat())
    except ValueError:
        abort(400, description=BAD_DATE)
    me, now = current_staff(), utcnow()
    data = complaint_export.workbook(viewer=me, start=start, end=end)
    audit.record(actor=me, action="complaint.export", obj_type="complaint", obj_id="export",
                 after={"start": start, "end": end, "ip": request.remote_addr or ""}, now=now)
    db.session.commit()
    name = f"complaints-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@pages.route("/clocks", methods=["GET", "POST"])
@login_required
def clocks():
    me, error = current_staff(), None
    if request.method == "POST":
        if not case_access.is_admin(me):
            abort(403, description="只有管理员可以修改法定期限")
        try:
            rule = deadlines.update_clock(name=request.form.get("name", ""), days=_int("days") or 0,
                                          unit=request.form.get("unit", ""), basis=request.form.get("basis", ""),
                                          now=utcnow())
            from services import audit
            audit.record(actor=me, action="clock.update", obj_type="clock", obj_id=rule.name,
                         after={"days": rule.days, "unit": str(rule.unit)}, now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            error = err.message
        else:
            flash(CLOCK_SAVED.format(title=rule.title), "ok")
            return redirect(url_for("complaints.clocks"))
    unknown = deadlines.unknown_years(china_today(utcnow()))
    return render_template("complaints/clocks.html", clocks=deadlines.clocks(), error=error,
                           units=deadlines.UNIT_LABELS, warnings=[UNKNOWN_YEAR.format(year=y) for y in unknown]), \
        400 if error else 200


def _widgets() -> list[Widget]:
    return [
        Widget("待受理/待核查", count=lambda me: case_queries.count(me, now=utcnow(), status="submitted"),
               endpoint="complaints.index", order=10,
               empty="暂无待受理的案件。消费者在公众号发“投诉”或“举报”登记后会出现在这里。"),
        Widget("我的案件", count=lambda me: case_queries.count(me, now=utcnow(), assignee_id=me.id, open_only=True),
               endpoint="complaints.index", args=(("assignee", "me"), ("open", "1")), order=9, roles=("admin", "staff"),
               empty="没有指定给您、仍在办理的案件。"),
        Widget("即将到期", count=lambda me: case_queries.count(me, now=utcnow(), due="soon"),
               endpoint="complaints.index", args=(("due", "soon"),), order=11,
               empty=f"没有 {case_queries.DUE_SOON_DAYS} 天内到期的案件。"),
        Widget("已超期", count=lambda me: case_queries.count(me, now=utcnow(), due="overdue"),
               endpoint="complaints.index", args=(("due", "overdue"),), order=11, empty="没有超期案件。"),
        Widget("待复核", count=lambda me: case_queries.count(me, now=utcnow(), review=True),
               endpoint="complaints.index", args=(("review", "1"),), order=11, roles=("admin", "staff"),
               empty="没有待复核的案件。消费者评价“不满意”后，部门负责人在这里复核。"),
        Widget("案件状态", chart=lambda me: case_queries.by_status(me), order=12,
               empty="还没有案件。"),
    ]


from console import complaints_api  # noqa: E402  (the API blueprint lives beside the pages)

register_feature(Feature(
    name="complaints", pages=pages, api=complaints_api.api,
    nav=[NavItem("投诉举报", "complaints.index", order=10)],
    widgets=_widgets(),
))
