"""/api/polls: list polls, read one poll's live ranked results, move it through its statuses, check its chain.

The same services as the pages; every change is audited there. Creating and editing polls is done in the console.
"""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from console.api import Blueprint, PageQuery, UtcDateTime, page_schema, paginate
from console.auth import current_staff, login_required, require_role
from extensions import db
from models.poll import Poll, PollStatus
from services import ballots, polls
from services.clock import utcnow
from sqlalchemy import select

api = Blueprint("polls_api", __name__, description="你点我检")


class PollSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    status_label = fields.Function(lambda p: polls.STATUS_LABELS[PollStatus(p.status)])
    opens_at = UtcDateTime()
    closes_at = UtcDateTime()
    allow_suggestion = fields.Boolean()


class OptionCountSchema(Schema):
    option_id = fields.Integer()
    position = fields.Integer()
    label = fields.String()
    count = fields.Integer()
    share = fields.Float(metadata={"description": "占投票人数的比例（可多选，合计可超过 1）"})
    rank = fields.Integer()
    top = fields.Boolean(metadata={"description": "排名在本题抽检名额内"})


class QuestionTallySchema(Schema):
    question_id = fields.Integer()
    text = fields.String()
    top_n = fields.Integer()
    options = fields.List(fields.Nested(OptionCountSchema))


class TallySchema(Schema):
    poll_id = fields.Integer()
    ballots = fields.Integer()
    questions = fields.List(fields.Nested(QuestionTallySchema))


class MoveSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf([s.value for s in PollStatus
                                                               if s != PollStatus.PUBLISHED]))


class ChainSchema(Schema):
    ok = fields.Boolean()
    ballots = fields.Integer()
    broken_at = fields.Integer(allow_none=True)


@api.route("/")
class Polls(MethodView):
    @api.arguments(PageQuery, location="query")
    @api.response(200, page_schema(PollSchema))
    @login_required
    def get(self, args):
        """List polls, latest opening first."""
        return paginate(select(Poll).order_by(Poll.opens_at.desc(), Poll.id.desc()), args)


@api.route("/<int:poll_id>/results")
class Results(MethodView):
    @api.response(200, TallySchema)
    @login_required
    def get(self, poll_id):
        """Live ranked results per question (counts and share of voters)."""
        return polls.tallies(poll_id=poll_id, now=utcnow())


@api.route("/<int:poll_id>/status")
class Status(MethodView):
    @api.arguments(MoveSchema)
    @api.response(200, PollSchema)
    @require_role("admin", "staff")
    def post(self, body, poll_id):
        """Move the poll to another status (draft, scheduled, open, closed, sampling); results publish elsewhere."""
        poll = polls.transition(poll_id=poll_id, to=PollStatus(body["to"]), by=current_staff(), now=utcnow())
        db.session.commit()
        return poll


@api.route("/<int:poll_id>/chain")
class Chain(MethodView):
    @api.response(200, ChainSchema)
    @login_required
    def get(self, poll_id):
        """Recompute the ballots' hash chain; `broken_at` is the first ballot that does not verify."""
        polls.get(poll_id)
        return ballots.verify(poll_id=poll_id)
