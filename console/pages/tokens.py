"""API tokens: each person sees and revokes their own; an admin sees and revokes everyone's."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from console.api import paginate
from console.auth import current_staff, login_required
from console.forms import ConfirmForm
from extensions import db
from models import ApiToken
from services import api_tokens
from services.clock import utcnow

bp = Blueprint("tokens", __name__)

ISSUED = "新令牌（只显示这一次，请立即复制）："
REVOKED = "令牌已吊销"
PER_PAGE = 50


@bp.get("/")
@login_required
def index():
    me = current_staff()
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not me.is_admin:
        query = query.where(ApiToken.staff_id == me.id)
    page = paginate(query, {"page": max(request.args.get("page", 1, type=int) or 1, 1), "per_page": PER_PAGE})
    return render_template("tokens/index.html", tokens=page["items"], page=page, now=utcnow(),
                           confirm=ConfirmForm())


@bp.post("/new")
@login_required
def new():
    if ConfirmForm().validate_on_submit():
        _, plain = api_tokens.issue(staff=current_staff(), now=utcnow(),
                                    hours=int(current_app.config["API_TOKEN_HOURS"]), label="console")
        db.session.commit()
        flash(ISSUED + plain, "ok")
    return redirect(url_for("tokens.index"))


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if ConfirmForm().validate_on_submit():
        api_tokens.revoke(token_id=token_id, actor=current_staff(), now=utcnow())
        db.session.commit()
        flash(REVOKED, "ok")
    return redirect(url_for("tokens.index"))
