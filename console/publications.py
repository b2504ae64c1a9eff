"""Publications in the console: the list, the composer, preview to the staff test group, review and approval,
scheduling (once or by cron), the quota meter shown before sending, and the delivery report; /api/publications.

The web process never sends: 「立即发送」 schedules for now and the scheduler process delivers at its next poll.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from wtforms import DateTimeLocalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from console import Feature, NavItem, Widget, register_feature
from console.api import Blueprint as ApiBlueprint
from console.api import PageQuery, UtcDateTime, page_schema, paginate
from console.auth import current_staff, deny, login_required, require_role, writer_required
from console.charts import bar_chart
from console.forms import REQUIRED, ConfirmForm, ConsoleForm, apply_error
from extensions import db
from models import Publication
from models.publication import Audience, Kind, Status, Strategy
from services import DomainError, preview_group, publication_views, publications
from services.clock import from_china, utcnow
from services.delivery import Message, Settings

pages = Blueprint("publications", __name__, template_folder="templates")
api = ApiBlueprint("publications_api", __name__, description="消费警示等推送")

STATUS_LABELS = {"draft": "草稿", "review": "待审核", "approved": "已审核", "scheduled": "已定时", "sending": "发送中",
                 "sent": "已发送", "missed": "错过时间", "cancelled": "已取消",
                 "withdrawn": "已撤回"}
DELIVERY_LABELS = {"sent": "已送达", "pending": "待发送", "sending": "发送中", "unconfirmed": "中断未确认",
                   "failed": "失败", "filtered": "已过滤（退订/额度/取关）"}
STRATEGY_CHOICES = [SelectChoice(Strategy.EACH.value, "逐个发送（客服消息/模板消息，不占群发额度）"),
                    SelectChoice(Strategy.MASS.value, "群发（每人每月 4 条额度）")]
AUDIENCE_CHOICES = [SelectChoice(Audience.ALL.value, "全部关注者"),
                    SelectChoice(Audience.SUBSCRIBERS.value, "订阅了该类的关注者"),
                    SelectChoice(Audience.POLL_VOTERS.value, "某次投票的参与者（填投票编号）"),
                    SelectChoice(Audience.TAG.value, "微信标签（填标签 id，仅群发）")]
SAVED, SUBMITTED, APPROVED, REJECTED = "已保存", "已提交审核", "已审核通过", "已退回修改"
SCHEDULED, SENDING, CANCELLED = "已定时，到点由调度器发送", "已排入发送，调度器将在 15 秒内开始发送", "已取消"
PER_PAGE = 30
GROUP_SAVED = "已保存测试组"
VIEWER_READ_ONLY = "只读账号不能修改测试组"
WITHDRAWN = "已撤回：公众号的警示/案例列表和搜索不再显示（已收到的消息无法收回）"
PREVIEWED = "已发送预览给测试组 {n} 人"


class PublicationForm(ConsoleForm):
    kind = SelectField("类型", choices=[SelectChoice(k.value, k.label) for k in Kind])
    title = StringField("标题", validators=[DataRequired(REQUIRED), Length(max=64, message="最多 64 个字")])
    summary = TextAreaField("摘要（推送里显示）", validators=[Optional(), Length(max=200, message="最多 200 个字")])
    body = TextAreaField("正文", validators=[Optional(), Length(max=20000)])
    link = StringField("详情链接", validators=[Optional(), Length(max=500)])
    cover = StringField("封面图片地址", validators=[Optional(), Length(max=500)])
    tags = StringField("关键词（空格分隔，供“警示 关键词”查找）", validators=[Optional(), Length(max=200)])
    strategy = SelectField("发送方式", choices=STRATEGY_CHOICES)
    audience = SelectField("推送对象", choices=AUDIENCE_CHOICES)
    audience_ref = StringField("投票编号 / 标签 id", validators=[Optional(), Length(max=64)])


class ScheduleForm(ConsoleForm):
    at = DateTimeLocalField("发送时间（北京时间）", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    recurrence = StringField("重复（cron，北京时间，可空）", validators=[Optional(), Length(max=64)])


def _settings() -> Settings:
    """The PUBLICATION_* settings, with the preview group as chosen in the console added to the fixed openids."""
    base = Settings.of(current_app.config)
    return replace(base, preview_openids=preview_group.openids(base.preview_openids))


def _username() -> str:
    return current_staff().username


def _page(pub: Publication, *, form=None, schedule_form=None, status: int = 200):
    """The publication page: content, actions for its status, the quota meter, the delivery report."""
    meter = publications.quota_meter(pub.id, now=utcnow()) if pub.status not in {"sent", "cancelled", "withdrawn"} else None
    report = publication_views.report(pub.id)
    chart = bar_chart(report.timeline[-30:], title="每分钟发送数") if report.timeline else None
    return render_template("publications/show.html", pub=pub, form=form or PublicationForm(obj=pub),
                           schedule_form=schedule_form or ScheduleForm(), confirm=ConfirmForm(), meter=meter,
                           report=report, chart=chart, labels=STATUS_LABELS, delivery_labels=DELIVERY_LABELS,
                           settings=_settings(), message=Message.of(pub), no_quota=_no_quota(pub, meter)), status


def _no_quota(pub: Publication, meter) -> str | None:
    """The refusal a mass send would meet, said before anyone presses send."""
    if pub.strategy == Strategy.MASS and meter is not None and meter.audience and meter.with_quota == 0:
        return publications.NO_QUOTA.format(n=meter.audience)
    return None


def _act(publication_id: int, action, done: str):
    """Run one domain action and commit it; a refusal is shown on the publication page with its reason."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(publications.get(publication_id), status=400)
    try:
        action()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return _page(publications.get(publication_id), status=err.status)
    flash(done, "ok")
    return redirect(url_for("publications.show", publication_id=publication_id))


@pages.route("/preview-group", methods=["GET", "POST"])
@login_required
def preview_group_page():
    """测试组: which staff (with their own WeChat bound) receive a preview before approval."""
    error = None
    if request.method == "POST":
        if current_staff().role == "viewer":
            return deny(403, VIEWER_READ_ONLY)
        if ConfirmForm().validate_on_submit():
            try:
                preview_group.set_members(staff_ids=request.form.getlist("staff_ids", type=int),
                                          by=current_staff(), now=utcnow())
                db.session.commit()
            except DomainError as err:
                db.session.rollback()
                error = err.message
            else:
                flash(GROUP_SAVED, "ok")
                return redirect(url_for("publications.preview_group_page"))
    return render_template("publications/preview_group.html", candidates=preview_group.candidates(),
                           members=set(preview_group.member_ids()), fixed=Settings.of(current_app.config).preview_openids,
                           error=error, confirm=ConfirmForm()), 422 if error else 200


@pages.get("/")
@login_required
def index():
    page = paginate(select(Publication).where(Publication.parent_id.is_(None)).order_by(Publication.id.desc()),
                    {"page": max(request.args.get("page", 1, type=int) or 1, 1), "per_page": PER_PAGE})
    return render_template("publications/index.html", items=page["items"], page=page, labels=STATUS_LABELS)


@pages.route("/new", methods=["GET", "POST"])
@writer_required
def new():
    form = PublicationForm()
    if form.validate_on_submit():
        try:
            pub = publications.create(author=_username(), now=utcnow(), **_fields(form))
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED, "ok")
            return redirect(url_for("publications.show", publication_id=pub.id))
    return render_template("publications/form.html", form=form, pub=None), 400 if form.errors else 200


def _fields(form: PublicationForm) -> dict:
    return {name: getattr(form, name).data or ("" if name in {"summary", "body", "tags"} else None)
            for name in publications.EDITABLE}


@pages.get("/<int:publication_id>")
@login_required
def show(publication_id: int):
    return _page(publications.get(publication_id))


@pages.route("/<int:publication_id>/edit", methods=["GET", "POST"])
@writer_required
def edit(publication_id: int):
    pub = publications.get(publication_id)
    form = PublicationForm(obj=pub)
    if form.validate_on_submit():
        try:
            publications.edit(pub.id, by=_username(), now=utcnow(), **_fields(form))
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED, "ok")
            return redirect(url_for("publications.show", publication_id=pub.id))
    return render_template("publications/form.html", form=form, pub=pub), 400 if form.errors else 200


@pages.post("/<int:publication_id>/submit")
@writer_required
def submit(publication_id: int):
    return _act(publication_id, lambda: publications.submit(publication_id, by=_username(), now=utcnow()),
                SUBMITTED)


@pages.post("/<int:publication_id>/approve")
@writer_required
def approve(publication_id: int):
    return _act(publication_id, lambda: publications.approve(publication_id, by=_username(), now=utcnow(),
                                                             settings=_settings()), APPROVED)


@pages.post("/<int:publication_id>/reject")
@writer_required
def reject(publication_id: int):
    return _act(publication_id, lambda: publications.reject(publication_id, by=_username(), now=utcnow()),
                REJECTED)


@pages.post("/<int:publication_id>/cancel")
@writer_required
def cancel(publication_id: int):
    return _act(publication_id, lambda: publications.cancel(publication_id, by=_username(), now=utcnow()),
                CANCELLED)


@pages.post("/<int:publication_id>/withdraw")
@writer_required
def withdraw(publication_id: int):
    return _act(publication_id, lambda: publications.withdraw(publication_id, by=_username(), now=utcnow()),
                WITHDRAWN)


@pages.post("/<int:publication_id>/send")
@writer_required
def send(publication_id: int):
    return _act(publication_id, lambda: publications.send_now(publication_id, by=_username(), now=utcnow()),
                SENDING)


@pages.post("/<int:publication_id>/preview")
@writer_required
def preview(publication_id: int):
    sender = current_app.extensions["outbound"].sender
    result = {}

    def run():
        result["n"] = publication_views.preview(publication_id, openids=_settings().preview_openids, sender=sender)
    response = _act(publication_id, run, "")
    if "n" in result:
        flash(PREVIEWED.format(n=result["n"]), "ok")
    return response


@pages.post("/<int:publication_id>/schedule")
@writer_required
def schedule(publication_id: int):
    pub = publications.get(publication_id)
    form = ScheduleForm()
    if not form.validate_on_submit() or not (form.at.data or form.recurrence.data):
        if not form.errors:
            form.at.errors = ["请选择发送时间，或填写重复规则"]
        return _page(pub, schedule_form=form, status=400)
    at = from_china(form.at.data) if form.at.data else utcnow()
    try:
        publications.schedule(pub.id, at=at, by=_username(), now=utcnow(), recurrence=form.recurrence.data or None)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        apply_error(form, err if err.field != "scheduled_at" else type(err)(err.message, field="at"))
        return _page(pub, schedule_form=form, status=err.status)
    flash(SCHEDULED, "ok")
    return redirect(url_for("publications.show", publication_id=pub.id))


# --- /api/publications -------------------------------------------------------------------------------------------
class PublicationSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in Kind]), metadata={
        "description": "the kind's code: " + ", ".join(f"{k.value} ({k.label})" for k in Kind)})
    title = fields.String(required=True, validate=validate.Length(min=1, max=64))
    summary = fields.String(load_default="", validate=validate.Length(max=200))
    body = fields.String(load_default="", validate=validate.Length(max=20000))
    link = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    cover = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    tags = fields.String(load_default="", validate=validate.Length(max=200))
    strategy = fields.String(load_default="each", validate=validate.OneOf([s.value for s in Strategy]))
    audience = fields.String(load_default="all", validate=validate.OneOf([a.value for a in Audience]))
    audience_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    status = fields.String(dump_only=True)
    author = fields.String(dump_only=True)
    approver = fields.String(dump_only=True, allow_none=True)
    scheduled_at = UtcDateTime(dump_only=True, allow_none=True)
    recurrence = fields.String(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True)


class ScheduleSchema(Schema):
    at = UtcDateTime(load_default=None, metadata={"description": "UTC; omitted = now"})
    recurrence = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64), metadata={"description": "cron, China time"})


class StatusSchema(Schema):
    report = fields.Dict(keys=fields.String(), values=fields.Integer())
    audience = fields.Integer()
    with_quota = fields.Integer(metadata={"description": "followers who can still receive a mass message"})
    month = fields.String()


@api.route("/")
class Publications(MethodView):
    @api.arguments(PageQuery, location="query")
    @api.response(200, page_schema(PublicationSchema))
    @login_required
    def get(self, args):
        """List publications, newest first."""
        return paginate(select(Publication).where(Publication.parent_id.is_(None)).order_by(Publication.id.desc()),
                        args)

    @api.arguments(PublicationSchema)
    @api.response(201, PublicationSchema)
    @require_role("admin", "staff")
    def post(self, body):
        """Write a draft."""
        pub = publications.create(author=_username(), now=utcnow(), **body)
        db.session.commit()
        return pub


@api.route("/<int:publication_id>")
class OnePublication(MethodView):
    @api.response(200, PublicationSchema)
    @login_required
    def get(self, publication_id):
        """One publication."""
        return publications.get(publication_id)


@api.route("/<int:publication_id>/status")
class PublicationStatus(MethodView):
    @api.response(200, StatusSchema)
    @login_required
    def get(self, publication_id):
        """Delivery counts by status and the mass-quota meter (check it before a mass send)."""
        meter = publications.quota_meter(publication_id, now=utcnow())
        return {"report": publications.report(publication_id), "audience": meter.audience,
                "with_quota": meter.with_quota, "month": meter.month}


def _api_action(name: str, fn):
    @api.route(f"/<int:publication_id>/{name}", endpoint=f"action_{name}")
    class Action(MethodView):
        @api.response(200, PublicationSchema)
        @require_role("admin", "staff")
        def post(self, publication_id):
            pub = fn(publication_id)
            db.session.commit()
            return pub
    Action.post.__doc__ = f"{name.capitalize()} the publication."
    return Action


_api_action("submit", lambda pid: publications.submit(pid, by=_username(), now=utcnow()))
_api_action("approve", lambda pid: publications.approve(pid, by=_username(), now=utcnow(), settings=_settings()))
_api_action("send", lambda pid: publications.send_now(pid, by=_username(), now=utcnow()))
_api_action("cancel", lambda pid: publications.cancel(pid, by=_username(), now=utcnow()))
_api_action("withdraw", lambda pid: publications.withdraw(pid, by=_username(), now=utcnow()))


@api.route("/<int:publication_id>/schedule")
class SchedulePublication(MethodView):
    @api.arguments(ScheduleSchema)
    @api.response(200, PublicationSchema)
    @require_role("admin", "staff")
    def post(self, body, publication_id):
        """Schedule at a time (UTC) or by a cron line; a mass send without quota is refused (409)."""
        at = body["at"].replace(tzinfo=None) if body.get("at") else utcnow()
        pub = publications.schedule(publication_id, at=at, by=_username(), now=utcnow(),
                                    recurrence=body.get("recurrence"))
        db.session.commit()
        return pub


def _awaiting_review(me) -> int:
    return db.session.scalar(select(func.count()).select_from(Publication).where(
        Publication.status == Status.REVIEW)) or 0


register_feature(Feature(
    name="publications",
    pages=pages,
    api=api,
    nav=[NavItem("消费警示", "publications.index", order=30)],
    widgets=[Widget("待审核推送", count=_awaiting_review, endpoint="publications.index",
                    empty="没有待审核的推送。写好的消费警示提交审核后会出现在这里。", order=30)],
))

