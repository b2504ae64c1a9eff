"""/api/campaigns: the campaigns, one campaign's 活动情况 figures (the same `campaign_report.figures` the report page and
the .docx print, for the caller's own scope), and correcting a campaign's name, dates and departments (admins).

Creating a campaign, writing its 总结 and uploading photos stay in the console; every change is audited in
`services.campaigns`.
"""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from console.api import Blueprint, PageQuery, UtcDateTime, page_schema, paginate
from console.auth import current_staff, login_required, require_role
from extensions import db
from models.campaign import Campaign
from services import campaign_report, campaigns
from services.clock import utcnow

api = Blueprint("campaigns_api", __name__, description="活动情况")


def _pairs(key: str, label: str = "label"):
    return fields.Function(lambda f: [{label: name, "count": n} for name, n in getattr(f, key)])


class FiguresSchema(Schema):
    """The report's figures as numbers (rates in percent, null when there is nothing to divide by)."""
    followers_new = fields.Integer(metadata={"description": "新增关注"})
    questions = fields.Integer(metadata={"description": "维权问答提问"})
    first_reply = fields.Integer(metadata={"description": "首次回复即解答"})
    first_reply_rate = fields.Float(allow_none=True)
    by_topic = fields.Function(lambda f: [{"topic": t, "first_reply": a, "menu": b, "referred": c, "unanswered": d}
                                          for t, a, b, c, d in f.by_topic])
    complaints = fields.Integer(metadata={"description": "登记投诉"})
    reports = fields.Integer(metadata={"description": "登记举报"})
    accepted = fields.Integer()
    closed = fields.Integer()
    decided = fields.Integer()
    on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "按期处理率（%）"})
    mediated = fields.Integer()
    mediation_success = fields.Integer()
    mediation_rate = fields.Float(allow_none=True)
    recovered = fields.Float(metadata={"description": "挽回经济损失（元）"})
    by_department = fields.Function(lambda f: [{"department": n, "complaints": a, "reports": b, "closed": c}
                                               for n, a, b, c in f.by_department])
    by_town = _pairs("by_town", "town")
    ballots = fields.Integer(metadata={"description": "投票人次"})
    top_items = _pairs("top_items")
    batches = fields.Integer(metadata={"description": "公布抽检批次"})
    samples = fields.Integer()
    failed = fields.Integer(metadata={"description": "不合格"})
    fail_rate = fields.Float(allow_none=True)
    disposals = fields.Integer(metadata={"description": "开启核查处置"})
    disposals_by_status = _pairs("disposals_by_status")
    surveys = fields.Integer(metadata={"description": "开展调查"})
    survey_responses = fields.Integer(metadata={"description": "收到答卷"})
    publications = fields.Integer(metadata={"description": "发布消费警示与提示"})
    publications_by_kind = _pairs("publications_by_kind")
    reached = fields.Integer(metadata={"description": "送达人次"})


class CampaignSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date(metadata={"description": "中国日期，含"})
    ends_on = fields.Date(metadata={"description": "中国日期，含"})
    department_ids = fields.List(fields.Integer(), metadata={"description": "参加部门"})
    photos = fields.Function(lambda c: len(c.photos))
    created_by = fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class CampaignReportSchema(CampaignSchema):
    summary = fields.String(metadata={"description": "活动总结"})
    news = fields.String(metadata={"description": "动态信息"})
    captions = fields.Function(lambda c: [{"id": p.id, "caption": p.caption} for p in c.photos],
                               metadata={"description": "影像资料的说明（照片本身在控制台下载）"})
    figures = fields.Function(lambda c: FiguresSchema().dump(c.figures))
    sections = fields.Function(lambda c: [{"heading": h, "items": [{"label": k, "value": str(v)} for k, v in items]}
                                          for h, items in campaign_report.rows(c.figures)],
                               metadata={"description": "报告页和 Word 报告印出的同一组数字"})


class CampaignUpdateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    department_ids = fields.List(fields.Integer(), load_default=list)


@api.route("/")
class Campaigns(MethodView):
    @api.arguments(PageQuery, location="query")
    @api.response(200, page_schema(CampaignSchema))
    @login_required
    def get(self, args):
        """List campaigns, latest start first."""
        return paginate(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc()), args)


def _with_figures(campaign: Campaign) -> Campaign:
    campaign.figures = campaign_report.figures(viewer=current_staff(), period=campaign_report.period_of(campaign),
                                               now=utcnow())
    return campaign


@api.route("/<int:campaign_id>")
class OneCampaign(MethodView):
    @api.response(200, CampaignReportSchema)
    @login_required
    def get(self, campaign_id):
        """One campaign with its report figures, for what the caller may see (a 所's staff: their department)."""
        return _with_figures(campaigns.get(campaign_id))

    @api.arguments(CampaignUpdateSchema)
    @api.response(200, CampaignReportSchema)
    @require_role("admin")
    def put(self, body, campaign_id):
        """Correct the name, dates and departments (admins); refused with the reason, nothing changed, when the end
        is before the start or the name is taken."""
        campaign = campaigns.update(campaign_id=campaign_id, name=body["name"], starts_on=body["starts_on"],
                                    ends_on=body["ends_on"], department_ids=body["department_ids"],
                                    by=current_staff(), now=utcnow())
        db.session.commit()
        return _with_figures(campaign)
