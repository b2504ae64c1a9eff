"""User management (admin only): list accounts, create one, edit role/department/active/password, unlock."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from console.api import paginate
from console.auth import current_staff, require_role
from console.forms import ConfirmForm, StaffCreateForm, StaffEditForm, apply_error, department_choices
from extensions import db
from models import Staff
from services import DomainError
from services import staff as staff_service
from services.clock import utcnow

bp = Blueprint("staff", __name__)

CREATED = "已创建账号 {name}"
SAVED = "已保存 {name}"
UNLOCKED = "已解锁 {name}"
PER_PAGE = 50


@bp.get("/")
@require_role("admin")
def index():
    page = paginate(select(Staff).order_by(Staff.active.desc(), Staff.username),
                    {"page": max(request.args.get("page", 1, type=int) or 1, 1), "per_page": PER_PAGE})
    return render_template("staff/index.html", people=page["items"], page=page, now=utcnow(), confirm=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@require_role("admin")
def new():
    form = StaffCreateForm()
    form.department_id.choices = department_choices()
    if form.validate_on_submit():
        try:
            person = staff_service.create(username=form.username.data, password=form.password.data,
                                          role=form.role.data, department=form.department_id.data or None,
                                          display_name=form.display_name.data or "", actor=current_staff(),
                                          now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(CREATED.format(name=person.username), "ok")
            return redirect(url_for("staff.index"))
    return render_template("staff/form.html", form=form, person=None), 400 if form.errors else 200


@bp.route("/<int:staff_id>", methods=["GET", "POST"])
@require_role("admin")
def edit(staff_id: int):
    person = staff_service.get(staff_id)
    form = StaffEditForm(obj=None if _posted() else person)
    form.department_id.choices = department_choices()
    if not _posted():
        form.department_id.data = str(person.department_id or "")
    if form.validate_on_submit():
        now, actor = utcnow(), current_staff()
        try:
            staff_service.update(staff_id=staff_id, role=form.role.data, department=form.department_id.data or None,
                                 active=form.active.data, display_name=form.display_name.data or "",
                                 actor=actor, now=now)
            if form.password.data:
                staff_service.set_password(staff_id=staff_id, password=form.password.data, actor=actor, now=now)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED.format(name=person.username), "ok")
            return redirect(url_for("staff.index"))
    return render_template("staff/form.html", form=form, person=person), 400 if form.errors else 200


@bp.post("/<int:staff_id>/unlock")
@require_role("admin")
def unlock(staff_id: int):
    person = staff_service.unlock(staff_id=staff_id, actor=current_staff(), now=utcnow())
    db.session.commit()
    flash(UNLOCKED.format(name=person.username), "ok")
    return redirect(url_for("staff.index"))


def _posted() -> bool:
    return request.method == "POST"
