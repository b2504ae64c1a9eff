"""/api/complaints: list the queues, read one case with its history, act on it, read and edit the statutory clocks.

Same rules as the pages: staff see their department's cases (another's is 404), viewers read with personal data
masked, a 举报人 is visible to admins only; every action is audited in the service.
"""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from console.api import Blueprint, PageQuery, UtcDateTime, page_schema, paginate
from console.auth import current_staff, login_required, require_role
from extensions import db
from models import Case
from services import audit, case_access, case_actions, case_commands, case_flow, case_queries, deadlines, \
    departments
from services.clock import utcnow

api = Blueprint("complaints_api", __name__, description="投诉举报")

class CaseQuery(PageQuery):
    status = fields.String(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(["complaint", "report"]))
    department_id = fields.Integer(load_default=None)
    assignee_id = fields.Integer(load_default=None, metadata={"description": "0 = 未指定责任人"})
    due = fields.String(load_default=None, validate=validate.OneOf(["soon", "overdue"]))
    number = fields.String(load_default=None, validate=validate.Length(max=20))


class CaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.String()
    status = fields.String()
    status_label = fields.Function(lambda c: case_flow.status_label(c))
    business_name = fields.String()
    business_address = fields.String()
    sector = fields.String(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    received_at = UtcDateTime()
    due_on = fields.Date(allow_none=True)
    due_estimated = fields.Boolean()
    late = fields.Boolean()
    number_12315 = fields.String(allow_none=True)
    consumer = fields.Function(lambda c: case_access.person(current_staff(), c))


class EventSchema(Schema):
    at = UtcDateTime()
    kind = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    text = fields.String()
    visible = fields.Boolean(metadata={"description": "消费者可见"})
    staff_id = fields.Integer(allow_none=True)


class CaseDetailSchema(CaseSchema):
    story = fields.String()
    wish = fields.String(allow_none=True)
    amount = fields.Float(allow_none=True, metadata={"description": "元"})
    outcome = fields.String(allow_none=True)
    outcome_reason = fields.String(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    allowed = fields.Function(lambda c: sorted(str(s) for s in case_flow.allowed(c)))
    history = fields.Function(lambda c: EventSchema(many=True).dump(case_queries.history(c.id)))
    photos = fields.Function(lambda c: [{"id": p.id, "status": p.status, "size": p.size}
                                        for p in case_queries.photos(c.id)])
    notices = fields.Function(lambda c: list(getattr(c, "notices", [])),
                              metadata={"description": "本次操作的提示（如：已交办出本部门、承办部门暂无在岗人员）"})


class ActionSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=100))
    detail = fields.String(load_default="", validate=validate.Length(max=2000))
    outcome = fields.String(load_default="", validate=validate.Length(max=16))
    text = fields.String(load_default="", validate=validate.Length(max=2000))
    department_id = fields.Integer(load_default=None, allow_none=True)
    assignee_id = fields.Integer(load_default=None, allow_none=True)
    reopen = fields.Boolean(load_default=False, metadata={"description": "复核：重新办理已办结的案件"})
    number_12315 = fields.String(load_default="", validate=validate.Length(max=40))
    sector = fields.String(load_default="", validate=validate.Length(max=32))
    recovered = fields.String(load_default="", validate=validate.Length(max=20),
                              metadata={"description": "办结：挽回经济损失（元，投诉可选）"})


class ClockSchema(Schema):
    name = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=365))
    unit = fields.String(required=True, validate=validate.OneOf(["working", "calendar"]))
    basis = fields.String(required=True, validate=validate.Length(min=1, max=200))


@api.route("/")
class Cases(MethodView):
    @api.arguments(CaseQuery, location="query")
    @api.response(200, page_schema(CaseSchema))
    @login_required
    def get(self, args):
        """List the cases the caller may see (queues by status, kind, department, assignee, due)."""
        query = case_queries.queue(viewer=current_staff(), now=utcnow(), status=args["status"], kind=args["kind"],
                                   department_id=args["department_id"], assignee_id=args["assignee_id"],
                                   due=args["due"], number=args["number"])
        return paginate(query, args)


@api.route("/<int:case_id>")
class OneCase(MethodView):
    @api.response(200, CaseDetailSchema)
    @login_required
    def get(self, case_id):
        """One case with its whole history."""
        return case_queries.get_for(current_staff(), case_id)


@api.route("/<int:case_id>/actions/<string:action>")
class CaseAction(MethodView):
    @api.arguments(ActionSchema)
    @api.response(200, CaseDetailSchema)
    @require_role("admin", "staff")
    def post(self, body, case_id, action):
        """Act on a case: accept, reject, file, not_file, pause, resume, close, assign, mediate, note, reply,
        12315, sector, review."""
        me = current_staff()
        case_commands.perform(action, case_id=case_id, by=me, now=utcnow(),
                              sender=current_app.extensions["outbound"].sender, fields=body)
        db.session.commit()
        case = db.session.get(Case, case_id)
        case.notices = []
        if action == "assign":
            dept = departments.get(case.department_id)
            if not case_access.can_read(me, case):
                # the caller just moved it out of their department: answer with the result of their own action
                # (personal fields masked, as for any reader outside the department), never a 404
                case.notices.append(case_actions.TRANSFERRED.format(name=dept.name))
            if not any(p.active for p in dept.members):
                case.notices.append(case_actions.NO_STAFF.format(name=dept.name))
        if not case.notices:
            return case_queries.get_for(me, case_id)
        return case


@api.route("/clocks")
class Clocks(MethodView):
    @api.response(200, ClockSchema(many=True))
    @login_required
    def get(self):
        """The statutory clocks (name, days, unit, legal basis)."""
        return deadlines.clocks()


@api.route("/clocks/<string:name>")
class OneClock(MethodView):
    @api.arguments(ClockSchema)
    @api.response(200, ClockSchema)
    @require_role("admin")
    def put(self, body, name):
        """Edit a statutory clock (admins); cases already told keep their dates."""
        rule = deadlines.update_clock(name=name, days=body["days"], unit=body["unit"], basis=body["basis"],
                                      now=utcnow())
        audit.record(actor=current_staff(), action="clock.update", obj_type="clock", obj_id=name,
                     after={"days": rule.days, "unit": str(rule.unit)}, now=utcnow())
        db.session.commit()
        return rule


