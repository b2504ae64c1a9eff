"""The audit trail, read-only: filter by action, object, actor and day range; newest first, paginated."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import distinct, func, select

from console.auth import require_role
from console.rest.admin import audit_query
from extensions import db
from models import AuditEvent
from services.clock import from_china

bp = Blueprint("audit", __name__)

PER_PAGE = 50
FILTERS = ("action", "object_type", "object_id", "actor", "since", "until")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get("/")
@require_role("admin", "viewer")
def index():
    args = {k: request.args.get(k, "").strip() for k in FILTERS}
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = audit_query(args)
    since, until = _day(args["since"]), _day(args["until"])
    if since:
        query = query.where(AuditEvent.at >= from_china(datetime.combine(since, time())))
    if until:
        query = query.where(AuditEvent.at < from_china(datetime.combine(until + timedelta(days=1), time())))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    events = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    actions = db.session.scalars(select(distinct(AuditEvent.action)).order_by(AuditEvent.action)).all()
    types = db.session.scalars(select(distinct(AuditEvent.object_type)).order_by(AuditEvent.object_type)).all()
    return render_template("audit/index.html", events=events, args=args, page=page, per_page=PER_PAGE,
                           total=total, actions=actions, types=types,
                           bad_dates=bool(args["since"] and not since or args["until"] and not until))
