"""The bureau's profile (admin): name, phone, address, hotline, office hours — what the bot's CONTACT and 转人工
replies tell consumers. Saved with its audit record in one transaction."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, request, url_for

from console.auth import current_staff, require_role
from console.forms import SettingsForm, apply_error
from extensions import db
from services import DomainError, audit, bureau
from services.clock import utcnow

bp = Blueprint("settings", __name__)

SAVED = "已保存。公众号的「联系我们」和「转人工」回复已更新。"


@bp.route("/", methods=["GET", "POST"])
@require_role("admin")
def index():
    current = bureau.profile()
    form = SettingsForm()
    if request.method == "GET":
        form.name.data, form.phone.data, form.address.data = current.name, current.phone, current.address
        form.hotline.data, form.office_hours.data = current.hotline, "\n".join(current.office_hours)
    if form.validate_on_submit():
        before, now = asdict(current), utcnow()
        hours = [line.strip() for line in (form.office_hours.data or "").splitlines() if line.strip()]
        try:
            saved = bureau.update_profile(now=now, name=form.name.data.strip(), phone=form.phone.data.strip(),
                                          address=form.address.data.strip(), hotline=form.hotline.data.strip(),
                                          office_hours=hours)
            old, new = audit.changed(before, asdict(saved))
            if new:
                audit.record(actor=current_staff(), action="settings.update", obj_type="setting",
                             obj_id=bureau.PROFILE_KEY, before=old, after=new, now=now)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(SAVED, "ok")
            return redirect(url_for("settings.index"))
    return render_template("settings/index.html", form=form, preview=current), 400 if form.errors else 200
