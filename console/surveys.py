"""消费调查 in the console: the surveys, a new one (up to eight questions of four kinds), open/close by hand (the
scheduler also does it on time), results with charts and every free-text answer, and the export. Rules live in
`services.surveys`; views parse forms, commit once and render."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from console.auth import current_staff, login_required, writer_required
from console.charts import bar_chart
from console import surveys_api
from console.registry import Feature, NavItem, register_feature
from extensions import db
from models.survey import QuestionKind, SurveyStatus
from services import DomainError, Invalid, audit, surveys
from services.clock import from_china, to_china, utcnow

pages = Blueprint("surveys", __name__)

SLOTS = 8
BAD_TIME = "时间格式应为 2027-03-01T09:00"
CREATED = "已保存调查「{title}」，将于开始时间自动开始"
MOVED = {SurveyStatus.OPEN: "调查已开始", SurveyStatus.CLOSED: "调查已结束"}
ANNOUNCED = "已生成调查通知（消费提示草稿），审核通过后即可推送"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _time(name: str) -> datetime:
    try:
        return from_china(datetime.fromisoformat(request.form.get(name, "").strip()))
    except ValueError as exc:
        raise Invalid(BAD_TIME, field=name) from exc


def _index(error: DomainError | None = None):
    return render_template("surveys/index.html", surveys=surveys.listing(), labels=surveys.STATUS_LABELS,
                           kinds=surveys.KIND_LABELS, slots=range(1, SLOTS + 1), to_china=to_china,
                           error=error.message if error else None, values=dict(request.form) if error else {}
                           ), error.status if error else 200


@pages.get("/")
@login_required
def index():
    return _index()


@pages.post("/")
@writer_required
def create():
    form = request.form
    try:
        specs = [surveys.QuestionSpec(kind=form.get(f"q{n}_kind", QuestionKind.SINGLE), text=form.get(f"q{n}_text", ""),
                                      options=form.get(f"q{n}_options", "").splitlines())
                 for n in range(1, SLOTS + 1)]
        if any(s.kind not in set(QuestionKind) for s in specs):
            raise Invalid("题型只能是单选、多选、评分或简答", field="questions")
        survey = surveys.create(title=form.get("title", ""), intro=form.get("intro", ""),
                                anonymous=form.get("anonymous") == "1", opens_at=_time("opens_at"),
                                closes_at=_time("closes_at"), questions=specs, by=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _index(err)
    flash(CREATED.format(title=survey.title), "ok")
    return redirect(url_for("surveys.show", survey_id=survey.id))


@pages.get("/<int:survey_id>")
@login_required
def show(survey_id: int, error: DomainError | None = None):
    survey = surveys.get(survey_id)
    found = surveys.results(survey_id)
    charts = {r.question.id: bar_chart(r.counts, title=r.question.text) for r in found if r.counts}
    return render_template("surveys/show.html", survey=survey, results=found, charts=charts,
                           answered=len(surveys.responses(survey_id)), labels=surveys.STATUS_LABELS,
                           kinds=surveys.KIND_LABELS, to_china=to_china, error=error.message if error else None
                           ), error.status if error else 200


@pages.post("/<int:survey_id>/<any(open, closed):to>")
@writer_required
def move(survey_id: int, to: str):
    try:
        surveys.transition(survey_id=survey_id, to=SurveyStatus(to), by=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return show(survey_id, err)
    flash(MOVED[SurveyStatus(to)], "ok")
    return redirect(url_for("surveys.show", survey_id=survey_id))


@pages.post("/<int:survey_id>/announce")
@writer_required
def announce(survey_id: int):
    try:
        pub = surveys.announce(survey_id=survey_id, by=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return show(survey_id, err)
    flash(ANNOUNCED, "ok")
    return redirect(url_for("publications.show", publication_id=pub.id))


@pages.get("/<int:survey_id>/export.xlsx")
@login_required
def export(survey_id: int):
    me, now = current_staff(), utcnow()
    data = surveys.export_xlsx(survey_id)
    audit.record(actor=me, action="survey.export", obj_type="survey", obj_id=survey_id, now=now,
                 after={"ip": request.remote_addr or ""})
    db.session.commit()
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="survey-{survey_id}.xlsx"'})


register_feature(Feature(name="surveys", pages=pages, api=surveys_api.api, nav=[NavItem("消费调查", "surveys.index", order=22)]))
