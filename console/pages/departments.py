"""Departments: everyone may look; an admin adds and edits them and names each one's single head."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from wtforms import SelectChoice

from console.auth import current_staff, login_required, require_role
from console.forms import DepartmentForm, HeadForm, apply_error
from extensions import db
from services import DomainError, departments
from services.clock import utcnow

bp = Blueprint("departments", __name__)

SAVED = "已保存部门「{name}」"
HEAD_SET = "已设置「{name}」的负责人"
NO_HEAD = "（暂无负责人）"


def _towns(text: str | None) -> list[str]:
    return [t for t in re.split(r"[、,，;；\s]+", text or "") if t]


@bp.get("/")
@login_required
def index():
    return render_template("departments/index.html", departments=departments.all_departments())


@bp.route("/new", methods=["GET", "POST"])
@require_role("admin")
def new():
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            dept = departments.create(name=form.name.data, kind=form.kind.data, phone=form.phone.data or "",
                                      towns=_towns(form.towns.data), actor=current_staff(), now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED.format(name=dept.name), "ok")
            return redirect(url_for("departments.index"))
    return render_template("departments/form.html", form=form, dept=None, head_form=None), \
        400 if form.errors else 200


@bp.route("/<int:department_id>", methods=["GET", "POST"])
@require_role("admin")
def edit(department_id: int):
    dept = departments.get(department_id)
    form = DepartmentForm()
    if request.method == "GET":
        form.name.data, form.kind.data, form.phone.data = dept.name, str(dept.kind), dept.phone
        form.towns.data = "、".join(dept.towns or [])
    if form.validate_on_submit():
        try:
            departments.update(department_id=dept.id, name=form.name.data, kind=form.kind.data,
                               phone=form.phone.data or "", towns=_towns(form.towns.data), actor=current_staff(),
                               now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED.format(name=form.name.data), "ok")
            return redirect(url_for("departments.index"))
    return render_template("departments/form.html", form=form, dept=dept, head_form=_head_form(dept)), \
        400 if form.errors else 200


def _head_form(dept) -> HeadForm:
    form = HeadForm(formdata=None)
    form.head_id.choices = [SelectChoice("", NO_HEAD)] + [SelectChoice(str(p.id), p.name) for p in dept.members if p.active]
    form.head_id.data = str(dept.head.id) if dept.head else ""
    return form


@bp.post("/<int:department_id>/head")
@require_role("admin")
def set_head(department_id: int):
    dept = departments.get(department_id)
    form = HeadForm()
    form.head_id.choices = [SelectChoice("", NO_HEAD)] + [SelectChoice(str(p.id), p.name) for p in dept.members]
    if form.validate_on_submit():
        raw = form.head_id.data or ""
        try:
            departments.set_head(department_id=dept.id, staff_id=int(raw) if raw.isdigit() else None,
                                 actor=current_staff(), now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(HEAD_SET.format(name=dept.name), "ok")
    return redirect(url_for("departments.edit", department_id=dept.id))
