"""/api/surveys: the 消费调查 list and one survey's results — per question the counts (choice and rating), the rating
average and every text answer, phone numbers in them masked, exactly as the console's results page shows them.

Read-only: surveys are made, opened and closed in the console (and by the scheduler). Results carry no respondent:
nothing here leads back to a follower, anonymous survey or not.
"""
from __future__ import annotations

import dataclasses

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import func, select

from console.api import Blueprint, PageQuery, UtcDateTime, page_schema, paginate
from console.auth import login_required
from extensions import db
from models.survey import QuestionKind, Survey, SurveyResponse, SurveyStatus
from services import surveys

api = Blueprint("surveys_api", __name__, description="消费调查")


def _answered(survey: Survey) -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyResponse)
                             .where(SurveyResponse.survey_id == survey.id)) or 0


class SurveySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    status_label = fields.Function(lambda s: surveys.STATUS_LABELS[SurveyStatus(s.status)])
    anonymous = fields.Boolean()
    opens_at = UtcDateTime()
    closes_at = UtcDateTime()
    questions = fields.Function(lambda s: len(s.questions), metadata={"description": "题目数"})
    responses = fields.Function(_answered, metadata={"description": "收到答卷"})
    publication_id = fields.Integer(allow_none=True, metadata={"description": "调查通知（消费提示）"})


class CountSchema(Schema):
    label = fields.String()
    count = fields.Integer()


class QuestionResultSchema(Schema):
    id = fields.Function(lambda r: r.question.id)
    position = fields.Function(lambda r: r.question.position)
    kind = fields.Function(lambda r: r.question.kind, metadata={"description": "single, multi, rating, text"})
    kind_label = fields.Function(lambda r: surveys.KIND_LABELS[QuestionKind(r.question.kind)])
    text = fields.Function(lambda r: r.question.text)
    options = fields.Function(lambda r: list(r.question.options))
    counts = fields.List(fields.Nested(CountSchema),
                         metadata={"description": "选择题每个选项、评分题 5分…1分 的人数"})
    average = fields.Float(allow_none=True, metadata={"description": "评分题平均分"})
    texts = fields.List(fields.String(), metadata={"description": "简答题的回答（电话号码已遮蔽）"})


class SurveyResultsSchema(SurveySchema):
    intro = fields.String()
    created_by = fields.String()
    created_at = UtcDateTime()
    results = fields.Function(lambda s: QuestionResultSchema(many=True).dump(
        [_counts(r) for r in surveys.results(s.id)]))


def _counts(result: surveys.QuestionResult) -> surveys.QuestionResult:
    """The result with its (label, n) pairs as JSON objects (a copy: the service's value is left as it was)."""
    return dataclasses.replace(result, counts=[{"label": label, "count": n} for label, n in result.counts])


@api.route("/")
class Surveys(MethodView):
    @api.arguments(PageQuery, location="query")
    @api.response(200, page_schema(SurveySchema))
    @login_required
    def get(self, args):
        """List surveys, newest first, with how many answered."""
        return paginate(select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc()), args)


@api.route("/<int:survey_id>")
class OneSurvey(MethodView):
    @api.response(200, SurveyResultsSchema)
    @login_required
    def get(self, survey_id):
        """One survey with its results per question."""
        return surveys.get(survey_id)
