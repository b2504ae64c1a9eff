"""活动情况 in the console: campaigns (admins create them), each campaign's report page — figures computed for the
reader from the console lists' own queries, 总结 and 动态信息 written here, photos with captions — and the .docx the
bureau files. Rules live in `services.campaigns` / `services.campaign_report`; views parse, commit once, render.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for

from console.auth import current_staff, login_required, require_role, writer_required
from console.charts import bar_chart
from console import campaigns_api
from console.registry import Feature, NavItem, register_feature
from extensions import db
from services import DomainError, Invalid, audit, campaign_report, campaigns, departments
from services.clock import utcnow

pages = Blueprint("campaigns", __name__)

BAD_DATE = "日期格式应为 2027-03-01"
CREATED = "已建立活动「{name}」"
UPDATED = "已修改活动信息"
SAVED = "已保存总结和动态信息"
PHOTO_ADDED = "已上传照片"
PHOTO_REMOVED = "已删除照片"
NO_FILE = "请选择要上传的照片"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError as exc:
        raise Invalid(BAD_DATE, field=name) from exc


def _index(error: DomainError | None = None):
    return render_template("campaigns/index.html", campaigns=campaigns.listing(),
                           departments=departments.all_departments(), error=error.message if error else None,
                           values=dict(request.form) if error else {}), error.status if error else 200


@pages.get("/")
@login_required
def index():
    return _index()


def _department_ids() -> list[int]:
    return [int(v) for v in request.form.getlist("department_ids") if v.isdigit()]


@pages.post("/")
@require_role("admin")
def create():
    try:
        campaign = campaigns.create(
            name=request.form.get("name", ""), starts_on=_day("starts_on"), ends_on=_day("ends_on"),
            department_ids=_department_ids(), by=current_staff(), now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _index(err)
    flash(CREATED.format(name=campaign.name), "ok")
    return redirect(url_for("campaigns.report", campaign_id=campaign.id))


def _report(campaign_id: int, error: DomainError | None = None):
    me, now = current_staff(), utcnow()
    campaign = campaigns.get(campaign_id)
    period = campaign_report.period_of(campaign)
    figures = campaign_report.figures(viewer=me, period=period, now=now)
    everyone = departments.all_departments()
    names = {d.id: d.name for d in everyone}
    editing = error is not None and "starts_on" in request.form        # the refused edit, shown as typed
    return render_template(
        "campaigns/report.html", campaign=campaign, f=figures, rows=campaign_report.rows(figures),
        taking_part=[names[i] for i in campaign.department_ids if i in names], departments=everyone,
        chosen=set(_department_ids() if editing else campaign.department_ids), editing=editing,
        topic_chart=bar_chart([(r[0], sum(r[1:])) for r in figures.by_topic[:10]], title="维权问答按主题")
        if figures.by_topic else None, topic_header=campaign_report.TOPIC_HEADER,
        top_chart=bar_chart(figures.top_items, title="得票最多的项目") if figures.top_items else None,
        dept_chart=bar_chart([(r[0], r[1] + r[2]) for r in figures.by_department], title="投诉举报按部门")
        if figures.by_department else None,
        cases_link=url_for("complaints.index", **{"from": campaign.starts_on.isoformat(),
                                                   "to": campaign.ends_on.isoformat()}),
        error=error.message if error else None, values=dict(request.form) if error else {},
    ), error.status if error else 200


@pages.get("/<int:campaign_id>")
@login_required
def report(campaign_id: int):
    return _report(campaign_id)


def _act(campaign_id: int, action, done: str):
    try:
        action()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return _report(campaign_id, err)
    flash(done, "ok")
    return redirect(url_for("campaigns.report", campaign_id=campaign_id))


@pages.post("/<int:campaign_id>/edit")
@require_role("admin")
def edit(campaign_id: int):
    """Correct the name, dates or departments (admins, as creating); a refusal shows the reason and changes nothing."""
    return _act(campaign_id, lambda: campaigns.update(
        campaign_id=campaign_id, name=request.form.get("name", ""), starts_on=_day("starts_on"),
        ends_on=_day("ends_on"), department_ids=_department_ids(), by=current_staff(), now=utcnow()), UPDATED)


@pages.post("/<int:campaign_id>/text")
@writer_required
def write(campaign_id: int):
    return _act(campaign_id, lambda: campaigns.write(
        campaign_id=campaign_id, summary=request.form.get("summary", ""), news=request.form.get("news", ""),
        by=current_staff(), now=utcnow()), SAVED)


def _upload(campaign_id: int) -> None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        raise Invalid(NO_FILE, field="photo")
    campaigns.add_photo(campaign_id=campaign_id, data=upload.read(campaigns.PHOTO_LIMIT_MB * 1024 * 1024 + 1),
                        caption=request.form.get("caption", ""), by=current_staff(), now=utcnow())


@pages.post("/<int:campaign_id>/photos")
@writer_required
def upload_photo(campaign_id: int):
    return _act(campaign_id, lambda: _upload(campaign_id), PHOTO_ADDED)


upload_photo.upload_limit = campaigns.PHOTO_LIMIT_MB * 1024 * 1024 + 64 * 1024   # the photo plus the form around it


@pages.post("/<int:campaign_id>/photos/<int:photo_id>/delete")
@writer_required
def remove_photo(campaign_id: int, photo_id: int):
    return _act(campaign_id, lambda: campaigns.remove_photo(campaign_id=campaign_id, photo_id=photo_id,
                                                            by=current_staff(), now=utcnow()), PHOTO_REMOVED)


@pages.get("/<int:campaign_id>/photos/<int:photo_id>")
@login_required
def photo(campaign_id: int, photo_id: int):
    found = campaigns.photo(campaign_id=campaign_id, photo_id=photo_id)
    return send_file(campaigns.stream(found), mimetype=found.content_type, max_age=0)


@pages.get("/<int:campaign_id>/report.docx")
@login_required
def download(campaign_id: int):
    me, now = current_staff(), utcnow()
    campaign = campaigns.get(campaign_id)
    figures = campaign_report.figures(viewer=me, period=campaign_report.period_of(campaign), now=now)
    names = {d.id: d.name for d in departments.all_departments()}
    data = campaign_report.docx(campaign=campaign, f=figures,
                                department_names=[names[i] for i in campaign.department_ids if i in names])
    audit.record(actor=me, action="campaign.export", obj_type="campaign", obj_id=campaign.id, now=now,
                 after={"ip": request.remote_addr or ""})
    db.session.commit()
    name = f"campaign-{campaign.id}-{campaign.starts_on:%Y%m%d}.docx"
    return Response(data, mimetype=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


register_feature(Feature(
    name="campaigns",
    pages=pages,
    api=campaigns_api.api,
    nav=[NavItem("活动情况", "campaigns.index", order=60)],
))
