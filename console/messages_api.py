"""/api/messages: the inbox as JSON — list threads (filters, search), read one thread, act on it, who is on duty.

Same rules as the pages (`console.messages.act` is the one action table): every role reads, viewers masked and
read-only; a reply or action names the `version` it saw and is refused with 409 when another staff member moved
the thread first (nothing sent).
"""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from console.api import Blueprint, PageQuery, UtcDateTime, page_schema, paginate
from console.auth import current_staff, login_required, require_role
from extensions import db
from models.inbox import STATUS_LABELS
from services import duty, inbox, inbox_queries
from services.clock import utcnow

api = Blueprint("messages_api", __name__, description="人工值守：消息与值班")

ACTIONS = ["take", "reply", "resolve", "assign", "convert"]


class ThreadQuery(PageQuery):
    view = fields.String(load_default="", validate=validate.OneOf([v for v, _ in inbox_queries.FILTERS]))
    status = fields.String(load_default="", validate=validate.OneOf([v for v, _ in inbox_queries.STATUSES]))
    q = fields.String(load_default="", metadata={"description": "search in message text"})


def _me():
    return current_staff()


class ThreadSchema(Schema):
    id = fields.Integer()
    openid = fields.Function(lambda t: inbox_queries.show_openid(_me(), t.openid))
    status = fields.String()
    status_label = fields.Function(lambda t: STATUS_LABELS.get(t.status, t.status))
    assignee_id = fields.Integer(allow_none=True)
    version = fields.Integer(metadata={"description": "send it back with an action (optimistic lock)"})
    handover = fields.Boolean(metadata={"description": "the follower's free text comes here"})
    preview = fields.Function(lambda t: inbox_queries.show_text(_me(), t.preview))
    waiting_since = UtcDateTime(allow_none=True)
    out_of_sla = fields.Function(lambda t: inbox_queries.out_of_sla(t, utcnow(), inbox.settings().sla_minutes))
    updated_at = UtcDateTime()


class MessageSchema(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    kind = fields.String()
    text = fields.Function(lambda m: inbox_queries.show_text(_me(), m.text))
    staff_id = fields.Integer(allow_none=True)
    channel = fields.String(allow_none=True)


class CaseRefSchema(Schema):
    number = fields.String()
    status = fields.String()
    name = fields.String()


class ThreadDetailSchema(Schema):
    thread = fields.Nested(ThreadSchema)
    messages = fields.List(fields.Nested(MessageSchema))
    cases = fields.Function(lambda d: CaseRefSchema(many=True).dump(
        [inbox_queries.case_view(_me(), c) for c in d.cases]))


class ThreadActionSchema(Schema):
    version = fields.Integer(required=True)
    text = fields.String(load_default="")
    assignee_id = fields.Integer(load_default=None, allow_none=True)
    business_name = fields.String(load_default="", metadata={"description": "convert: 被投诉商家"})
    business_address = fields.String(load_default="")
    story = fields.String(load_default="")
    wish = fields.String(load_default="", metadata={"description": "convert: 退货/换货/维修/退款/赔偿/其他"})
    name = fields.String(load_default="")
    phone = fields.String(load_default="")
    amount = fields.String(load_default="")


class DutySchema(Schema):
    on_duty = fields.Boolean()
    people = fields.List(fields.String())
    next_start = UtcDateTime(allow_none=True)
    unread = fields.Integer()


@api.route("/")
class Threads(MethodView):
    @api.arguments(ThreadQuery, location="query")
    @api.response(200, page_schema(ThreadSchema))
    @login_required
    def get(self, args):
        """List threads: view mine / unassigned / longest (waiting longest first) / sla (out of SLA); search q."""
        query = inbox_queries.listing(viewer=_me(), now=utcnow(), view=args["view"], status=args["status"],
                                      q=args["q"])
        return paginate(query, args)


@api.route("/<int:thread_id>")
class OneThread(MethodView):
    @api.response(200, ThreadDetailSchema)
    @login_required
    def get(self, thread_id):
        """One thread with its latest 200 messages and the follower's cases (masked by role)."""
        return inbox_queries.detail(thread_id)


@api.route("/<int:thread_id>/actions/<string:action>")
class ThreadAction(MethodView):
    @api.arguments(ThreadActionSchema)
    @api.response(200, ThreadDetailSchema)
    @require_role("admin", "staff")
    def post(self, body, thread_id, action):
        """take, reply (text), resolve, assign (assignee_id), convert (转为投诉: the complaint fields; nothing is filed
        until the consumer replies 同意 and 确认); 409 when `version` is stale (nothing sent)."""
        from console.messages import act
        if action not in ACTIONS:
            from services import NotFound
            raise NotFound("未知的操作", field="action")
        act(action, thread_id, _me(), {k: v for k, v in body.items() if v is not None})
        db.session.commit()
        return inbox_queries.detail(thread_id)


@api.route("/duty")
class DutyNow(MethodView):
    @api.response(200, DutySchema)
    @login_required
    def get(self):
        """Whether someone is on duty now, who, when duty next starts, and how many threads wait."""
        now = utcnow()
        covered, people = duty.on_duty(now)
        return {"on_duty": covered, "people": [p.name for p in people], "next_start": duty.next_start(now),
                "unread": inbox_queries.unread()}
