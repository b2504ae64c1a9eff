"""My account: change my own password (needs the current one); every other session of mine then ends."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from console.auth import current_staff, login_required, login_user
from console.forms import REQUIRED, ConsoleForm
from extensions import db
from services import staff as staff_service
from services.clock import utcnow
from services.staff import MIN_PASSWORD_LENGTH

bp = Blueprint("account", __name__)

WRONG_CURRENT = "当前密码不正确"
MISMATCH = "两次输入的新密码不一致"
CHANGED = "密码已修改，其他设备上的登录已失效"


class PasswordForm(ConsoleForm):
    current = PasswordField("当前密码", validators=[DataRequired(REQUIRED)])
    new = PasswordField("新密码", validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD_LENGTH, max=256, message=f"至少 {MIN_PASSWORD_LENGTH} 位")])
    repeat = PasswordField("再次输入新密码", validators=[DataRequired(REQUIRED), EqualTo("new", MISMATCH)])


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    me = current_staff()
    form = PasswordForm()
    if form.validate_on_submit():
        if not staff_service.check_password(me, form.current.data):
            form.current.errors = [WRONG_CURRENT]
        else:
            staff_service.set_password(staff_id=me.id, password=form.new.data, actor=me, now=utcnow())
            db.session.commit()
            login_user(me)   # this session carries the new stamp; the others no longer match
            flash(CHANGED, "ok")
            return redirect(url_for("account.index"))
    return render_template("account/index.html", form=form), 400 if form.errors else 200
