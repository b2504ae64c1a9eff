"""QR scenes: everyone may look; an admin names a parametric QR code's key (the Chinese label consumers see) and
chooses what a scan starts (`services.scenes`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from console.auth import current_staff, login_required, require_role
from console.forms import REQUIRED, ConfirmForm, ConsoleForm, apply_error
from console.messages_duty import create_qr
from extensions import db
from models.scene import ACTION_LABELS
from services import DomainError, scenes
from services.clock import utcnow

bp = Blueprint("scenes", __name__)

SAVED = "已保存场景「{label}」"
CODE_MADE = "已生成「{label}」的永久二维码"


class SceneForm(ConsoleForm):
    key = StringField("场景代码（生成二维码时填的 scene_str 或 scene_id）",
                      validators=[Optional(), Length(max=64, message="最多 64 个字符")])
    label = StringField("用户看到的名称", validators=[DataRequired(REQUIRED),
                                               Length(max=scenes.LABEL_MAX, message=scenes.LABEL_TOO_LONG)])
    action = SelectField("扫码后", choices=[SelectChoice(a.value, label) for a, label in ACTION_LABELS.items()])
    business_name = StringField("预填商家名称（投诉、举报用，可不填）",
                                validators=[Optional(), Length(max=scenes.NAME_MAX, message=scenes.NAME_TOO_LONG)])
    business_address = StringField("预填商家地址（可不填）", validators=[
        Optional(), Length(max=scenes.ADDRESS_MAX, message=scenes.ADDRESS_TOO_LONG)])
    active = BooleanField("启用", default=True)


@bp.get("/")
@login_required
def index():
    return render_template("scenes/index.html", scenes=scenes.all_scenes(), counts=scenes.followers_by_scene())


@bp.route("/new", methods=["GET", "POST"])
@require_role("admin")
def new():
    form = SceneForm()
    if form.validate_on_submit():
        try:
            scene = scenes.create(key=form.key.data or "", label=form.label.data, action=form.action.data,
                                  business_name=form.business_name.data, business_address=form.business_address.data,
                                  active=form.active.data, actor=current_staff(), now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED.format(label=scene.label), "ok")
            return redirect(url_for("scenes.index"))
    return render_template("scenes/form.html", form=form, scene=None), 400 if form.errors else 200


@bp.route("/<int:scene_id>", methods=["GET", "POST"])
@require_role("admin")
def edit(scene_id: int):
    scene = scenes.get(scene_id)
    form = SceneForm()
    if request.method == "GET":
        form.label.data, form.action.data, form.active.data = scene.label, str(scene.action), scene.active
        form.business_name.data, form.business_address.data = scene.business_name, scene.business_address
    form.key.data = scene.key                      # printed codes carry the key: it never changes
    if form.validate_on_submit():
        try:
            scenes.update(scene_id=scene.id, label=form.label.data, action=form.action.data,
                          business_name=form.business_name.data, business_address=form.business_address.data,
                          active=form.active.data, actor=current_staff(), now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED.format(label=form.label.data), "ok")
            return redirect(url_for("scenes.index"))
    return _edit_page(form, scene, status=400 if form.errors else 200)


def _edit_page(form: SceneForm, scene, *, status: int = 200, error: str | None = None):
    return render_template("scenes/form.html", form=form, scene=scene, code_form=ConfirmForm(formdata=None),
                           image=scenes.image_url(scene), error=error), status


@bp.post("/<int:scene_id>/qrcode")
@require_role("admin")
def make_code(scene_id: int):
    """Ask WeChat for the scene's permanent QR code; the edit page then links its image."""
    scene = scenes.get(scene_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("scenes.edit", scene_id=scene.id))
    try:
        scenes.make_code(scene_id=scene.id, actor=current_staff(), now=utcnow(), create_qr=create_qr)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        form = SceneForm(formdata=None, obj=scene)
        return _edit_page(form, scenes.get(scene_id), status=err.status, error=err.message)
    flash(CODE_MADE.format(label=scene.label), "ok")
    return redirect(url_for("scenes.edit", scene_id=scene.id))
