"""/api/disposals: the 核查处置 cases opened for 不合格 sampling results — list (the console list's own query), one case
with its result, clocks and steps, and recording a step.

Same rules as the pages, written once in `services.disposals`: staff read and act on their department's cases (another
department's is 404), viewers read only, admins all; every step is audited in the service.
"""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from console.api import Blueprint, PageQuery, UtcDateTime, page_schema, paginate
from console.auth import current_staff, login_required, require_role
from extensions import db
from models.disposal import DisposalStatus, Step
from services import campaign_report, deadlines, disposals
from services.clock import utcnow

api = Blueprint("disposals_api", __name__, description="核查处置（不合格食品）")


class DisposalQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in DisposalStatus]))
    from_ = fields.Date(data_key="from", load_default=None, metadata={"description": "开启日期从（含，中国日期）"})
    to = fields.Date(load_default=None, metadata={"description": "开启日期到（含，中国日期）"})


class ResultSchema(Schema):
    id = fields.Integer()
    sample_name = fields.String(metadata={"description": "样品名称"})
    brand = fields.String()
    producer = fields.String(metadata={"description": "标称生产企业"})
    place = fields.String(metadata={"description": "被抽样单位/场所"})
    sampled_on = fields.Date()
    failing_item = fields.String(metadata={"description": "不合格项目"})


class DisposalSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "HC00001"})
    status = fields.String()
    status_label = fields.Function(lambda c: disposals.STATUS_LABELS[DisposalStatus(c.status)])
    department_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    opened_at = UtcDateTime()
    due_on = fields.Date()
    due_estimated = fields.Boolean()
    overdue = fields.Function(lambda c: disposals.overdue(c, utcnow()), metadata={"description": "办理中且已过期限"})
    late = fields.Boolean(metadata={"description": "超期结案"})
    sample_name = fields.Function(lambda c: c.result.sample_name)
    place = fields.Function(lambda c: c.result.place)


class StepRecordSchema(Schema):
    step = fields.String()
    label = fields.Function(lambda s: disposals.STEP_LABELS[Step(s.step)])
    on = fields.Date()
    note = fields.String()
    by = fields.String()
    at = UtcDateTime()


class ClockSchema(Schema):
    name = fields.String()
    title = fields.String()
    days = fields.Integer()
    unit = fields.Function(lambda r: str(r.unit), metadata={"description": "working 工作日 / calendar 自然日"})
    basis = fields.String()
    verified = fields.Boolean(metadata={"description": "false: 期限依据未核实（见 docs/console.md §9）"})


class DisposalDetailSchema(DisposalSchema):
    result = fields.Nested(ResultSchema)
    clock = fields.Function(lambda c: ClockSchema().dump(deadlines.clock(c.clock)))
    served_on = fields.Date(allow_none=True, metadata={"description": "检验报告送达之日"})
    recheck_due_on = fields.Date(allow_none=True, metadata={"description": "复检申请期限（含）"})
    recheck_applied = fields.Boolean(allow_none=True)
    outcome = fields.String(metadata={"description": "处置结果（信息公开后消费者可见）"})
    closed_at = UtcDateTime(allow_none=True)
    published_at = UtcDateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepRecordSchema))
    next_steps = fields.Function(lambda c: [str(s) for s in disposals.next_steps(c)],
                                 metadata={"description": "现在可以记录的步骤"})


class StepSchema(Schema):
    step = fields.String(required=True, validate=validate.OneOf([s.value for s in Step]),
                         metadata={"description": "serve_report 送达检验报告, recheck 复检申请, off_shelf 责令下架/召回, "
                                                  "control_risk 控制风险, investigate 立案调查, close 处罚/结案（note 写处置结果）, "
                                                  "disclose 信息公开"})
    on = fields.Date(required=True, metadata={"description": "发生日期（中国日期，不晚于今天、不早于抽样日期）"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    applied = fields.Boolean(load_default=None, allow_none=True, metadata={"description": "复检申请：企业是否申请"})


@api.route("/")
class Disposals(MethodView):
    @api.arguments(DisposalQuery, location="query")
    @api.response(200, page_schema(DisposalSchema))
    @login_required
    def get(self, args):
        """List the cases the caller may see, newest first (filter by status and opening day, as the console list)."""
        period = campaign_report.Period(args["from_"], args["to"])
        return paginate(disposals.query(staff=current_staff(), status=args["status"], since=period.lo,
                                        until=period.hi), args)


@api.route("/<int:disposal_id>")
class OneDisposal(MethodView):
    @api.response(200, DisposalDetailSchema)
    @login_required
    def get(self, disposal_id):
        """One case: the 不合格 result, the clock and 复检 window, the steps recorded and those still open."""
        return disposals.get(disposal_id, staff=current_staff())


@api.route("/<int:disposal_id>/steps")
class Steps(MethodView):
    @api.arguments(StepSchema)
    @api.response(200, DisposalDetailSchema)
    @require_role("admin", "staff")
    def post(self, body, disposal_id):
        """Record one handling step (each once, in the order the status allows); the case as it now stands."""
        spec = disposals.StepSpec(step=body["step"], on=body["on"], note=body["note"], applied=body["applied"])
        case = disposals.record_step(disposal_id=disposal_id, spec=spec, by=current_staff(), now=utcnow())
        db.session.commit()
        return case
