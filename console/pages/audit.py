"""The audit trail, read-only: filter by action, object, actor and day range; newest first, paginated."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import distinct, func, select

from console.auth import require_role
from console.pages import audit_labels as labels
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


def changes(before: dict | None, after: dict | None, object_type: str = "") -> list[tuple[str, str | None, str | None]]:
    """(field, before, after) for every key in either side, as display text (None when that side lacks it)."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))

    def shown(side: dict, key: str) -> str | None:
        return _text(labels.coded(object_type, key, side[key])) if key in side else None

    return [(labels.field(k), shown(before, k), shown(after, k)) for k in keys]


def _text(value) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value)) or "空"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return labels.value(str(value))


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
    rows = [(event, changes(event.before, event.after, event.object_type)) for event in events]
    return render_template("audit/index.html", rows=rows, events=events, args=args, page=page, per_page=PER_PAGE,
                           total=total, actions=actions, types=types,
                           action_label=labels.action, type_label=labels.object_type,
                           bad_dates=bool(args["since"] and not since or args["until"] and not until))
