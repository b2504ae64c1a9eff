"""值班表 and 我的微信 pages of the messages feature: the duty roster (weekly pattern, dated overrides, the
campaign switch, the inbox settings; admins edit, everyone reads) and binding one's own WeChat by a one-time QR code.
"""
from __future__ import annotations

from datetime import date, time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from wechatpy.exceptions import WeChatClientException

from console.auth import current_staff, login_required, writer_required
from console.messages import pages
from extensions import db
from models import Staff
from models.staff import Role
from services import DeliveryError, DomainError, Invalid, duty, inbox, staff_binding
from services.clock import china_today, utcnow

ADMIN_ONLY = "只有管理员可以修改值班表和人工值守设置"
BAD_TIME = "时间格式应为 08:30"
BAD_DAY = "日期格式应为 2027-03-13"
SAVED = "已保存"


def _time(name: str) -> time:
    try:
        return time.fromisoformat(request.form.get(name, "").strip())
    except ValueError as exc:
        raise Invalid(BAD_TIME, field=name) from exc


def _day(name: str) -> date | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(BAD_DAY, field=name) from exc


def _duty_page(error: str | None = None, status: int = 200):
    me, now = current_staff(), utcnow()
    covered, people = duty.on_duty(now)
    staff = [p for p in db.session.query(Staff).filter(Staff.active, Staff.role != Role.VIEWER).order_by(Staff.id)]
    return render_template("messages/duty.html", me=me, slots=duty.slots(),
                           overrides=duty.overrides(since=china_today(now)), campaign=duty.campaign(),
                           covered=covered, people=people, next_start=duty.next_start(now), staff=staff,
                           names={p.id: p.name for p in staff}, weekdays=duty.WEEKDAYS, settings=inbox.settings(),
                           error=error, can_edit=me.role == Role.ADMIN), status


@pages.get("/duty", endpoint="duty")
@login_required
def duty_page():
    return _duty_page()


@pages.post("/duty/<what>")
@writer_required
def duty_edit(what: str):
    me, now = current_staff(), utcnow()
    if me.role != Role.ADMIN:
        abort(403, description=ADMIN_ONLY)
    form = request.form
    try:
        if what == "slot":
            duty.add_slot(weekday=int(form.get("weekday") or -1), start=_time("start"), end=_time("end"),
                          staff_id=int(form.get("staff_id") or 0), by=me, now=now)
        elif what == "override":
            off = form.get("off") == "1"
            day = _day("day")
            if day is None:
                raise Invalid(BAD_DAY, field="day")
            duty.add_override(day=day, staff_id=int(form.get("staff_id") or 0), off=off, by=me, now=now,
                              start=None if off else _time("start"), end=None if off else _time("end"))
        elif what == "remove":
            duty.remove(kind=form.get("kind", ""), row_id=int(form.get("id") or 0), by=me, now=now)
        elif what == "campaign":
            duty.set_campaign(start=_day("start"), end=_day("end"), by=me, now=now)
        elif what == "settings":
            inbox.update_settings(by=me, now=now, sla_minutes=int(form.get("sla_minutes") or 0),
                                  handback_minutes=int(form.get("handback_minutes") or 0),
                                  wechat_kf=form.get("wechat_kf") == "1")
        else:
            abort(404)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _duty_page(error=err.message, status=err.status)
    flash(SAVED, "ok")
    return redirect(url_for("messages.duty"))


def create_qr(body: dict) -> dict:
    """qrcode/create on the account (services.staff_binding hands us the body)."""
    try:
        return current_app.extensions["wechat_api"].post("qrcode/create", data=body)
    except WeChatClientException as exc:
        raise DeliveryError(str(exc.errmsg or exc), errcode=exc.errcode) from exc


@pages.get("/phone")
@login_required
def phone():
    me = current_staff()
    return render_template("messages/phone.html", me=me, bound=staff_binding.binding(me.id), code=None,
                           minutes=staff_binding.CODE_MINUTES)


@pages.post("/phone/<what>")
@writer_required
def phone_edit(what: str):
    me, now = current_staff(), utcnow()
    try:
        if what == "code":
            code = staff_binding.new_code(staff=me, now=now, create_qr=create_qr)
            db.session.commit()
            return render_template("messages/phone.html", me=me, bound=staff_binding.binding(me.id), code=code,
                                   image=staff_binding.SHOW_QR.format(ticket=code.ticket),
                                   minutes=staff_binding.CODE_MINUTES)
        if what == "unbind":
            staff_binding.unbind(staff_id=me.id, by=me, now=now)
            db.session.commit()
            flash("已解绑，提醒不再发到该微信", "ok")
            return redirect(url_for("messages.phone"))
    except DomainError as err:
        db.session.rollback()
        return render_template("messages/phone.html", me=me, bound=staff_binding.binding(me.id), code=None,
                               error=err.message, minutes=staff_binding.CODE_MINUTES), err.status
    abort(404)
