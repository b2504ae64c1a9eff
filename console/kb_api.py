"""/api/kb: the 维权问答 knowledge base — entries (list, read, create, edit, publish/unpublish), the queue of
unanswered and close-call questions (to paraphrase, to a new entry, dismiss), pinned patterns, and "try a question"
(the ranking with its scores). Reads for every role; writes for admin and staff."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from console.api import Blueprint, PageQuery, UtcDateTime, page_schema, paginate
from console.auth import current_staff, login_required, writer_required
from models.faq import KnowledgeEntry, QueueStatus, UnansweredQuestion
from extensions import db
from services import faq, faq_queue, faq_review, faq_store
from services.clock import utcnow

api = Blueprint("kb_api", __name__, description="维权问答知识库")


class EntrySchema(Schema):
    id = fields.String(attribute="slug", dump_only=True)
    topic = fields.String()
    question = fields.String()
    paraphrases = fields.List(fields.String())
    keywords = fields.List(fields.String())
    answer = fields.String()
    citations = fields.List(fields.String())
    related = fields.List(fields.String())
    next_step = fields.String()
    reviewed = fields.Date(allow_none=True)
    published = fields.Boolean(dump_only=True)
    updated_by = fields.String(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)


class EntryWriteSchema(Schema):
    topic = fields.String(validate=validate.Length(min=1, max=64))
    question = fields.String(validate=validate.Length(min=1, max=200))
    paraphrases = fields.List(fields.String())
    keywords = fields.List(fields.String())
    answer = fields.String(validate=validate.Length(min=1))
    citations = fields.List(fields.String())
    related = fields.List(fields.String())
    next_step = fields.String(validate=validate.Length(max=200))
    reviewed = fields.Date()


class EntryCreateSchema(EntryWriteSchema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    topic = fields.String(required=True, validate=validate.Length(min=1, max=64))
    question = fields.String(required=True, validate=validate.Length(min=1, max=200))
    answer = fields.String(required=True, validate=validate.Length(min=1))


class ProposalSchema(Schema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"description": "create | edit | rollback"})
    status = fields.String(dump_only=True, metadata={"description": "pending | approved | rejected"})
    content = fields.Dict(dump_only=True, metadata={"description": "通过后条目的全部内容"})
    proposed_by = fields.String(dump_only=True)
    proposed_at = UtcDateTime(dump_only=True)
    decided_by = fields.String(dump_only=True, allow_none=True)
    decided_at = UtcDateTime(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True)


class RejectSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=200))


class EntryQuery(PageQuery):
    topic = fields.String()
    published = fields.Boolean()


class QuestionSchema(Schema):
    id = fields.Integer(dump_only=True)
    text = fields.String()
    outcome = fields.String()
    count = fields.Integer()
    first_seen = UtcDateTime()
    last_seen = UtcDateTime()
    best_score = fields.Float()
    best_entry = fields.String(attribute="best_slug", allow_none=True)
    status = fields.String()
    resolved_by = fields.String(allow_none=True)
    entry = fields.String(attribute="entry_slug", allow_none=True)


class QueueQuery(PageQuery):
    status = fields.String(load_default=QueueStatus.OPEN.value,
                           validate=validate.OneOf([s.value for s in QueueStatus]))


class SlugSchema(Schema):
    entry = fields.String(required=True, validate=validate.Length(min=1, max=64))


class PinSchema(Schema):
    id = fields.Integer(dump_only=True)
    pattern = fields.String(required=True, validate=validate.Length(min=1, max=200))
    entry = fields.Function(lambda p: p.entry.slug, dump_only=True)
    created_by = fields.String(dump_only=True)


class PinCreateSchema(Schema):
    pattern = fields.String(required=True, validate=validate.Length(min=1, max=200))
    entry = fields.String(required=True)


class TryQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class HitSchema(Schema):
    entry = fields.String(attribute="slug")
    score = fields.Float()
    coverage = fields.Float()
    evidence = fields.Float()
    word = fields.Float()
    bigram = fields.Float()
    sound = fields.Float()


class TrySchema(Schema):
    kind = fields.String()
    talk = fields.String(allow_none=True)
    via = fields.String()
    entry = fields.Function(lambda r: r.entry.slug if r.entry else None)
    choices = fields.Function(lambda r: [e.slug for e in r.choices])
    hits = fields.List(fields.Nested(HitSchema))


@api.route("/entries")
class Entries(MethodView):
    @api.arguments(EntryQuery, location="query")
    @api.response(200, page_schema(EntrySchema))
    @login_required
    def get(self, args):
        """List entries by topic and id; filter by topic and published."""
        query = select(KnowledgeEntry).order_by(KnowledgeEntry.topic, KnowledgeEntry.slug)
        if args.get("topic"):
            query = query.where(KnowledgeEntry.topic == args["topic"])
        if "published" in args:
            query = query.where(KnowledgeEntry.published.is_(args["published"]))
        return paginate(query, args)

    @api.arguments(EntryCreateSchema)
    @api.response(202, ProposalSchema)
    @writer_required
    def post(self, body):
        """Propose a new entry: it goes live (published, reviewed today unless given) once someone else approves
        it at /api/kb/proposals/<id>/approve."""
        slug = body.pop("id")
        defaults = {"paraphrases": [], "keywords": [], "citations": [], "related": [], "next_step": ""}
        row = faq_review.propose(slug=slug, values={**defaults, **body}, by=current_staff(), now=utcnow(),
                                 create=True)
        db.session.commit()
        return row


@api.route("/entries/<slug>")
class Entry(MethodView):
    @api.response(200, EntrySchema)
    @login_required
    def get(self, slug: str):
        return faq_store.get(slug)

    @api.arguments(EntryWriteSchema)
    @api.response(202, ProposalSchema)
    @writer_required
    def patch(self, body, slug: str):
        """Propose an edit (a content change sets reviewed to today unless given); the entry changes once someone
        other than the caller approves it."""
        faq_store.get(slug)
        row = faq_review.propose(slug=slug, values=body, by=current_staff(), now=utcnow())
        db.session.commit()
        return row


@api.route("/proposals")
class Proposals(MethodView):
    @api.response(200, ProposalSchema(many=True))
    @login_required
    def get(self):
        """Changes waiting for a second person, oldest first."""
        return faq_review.pending()


@api.route("/proposals/<int:proposal_id>")
class OneProposal(MethodView):
    @api.response(200, ProposalSchema)
    @login_required
    def get(self, proposal_id: int):
        return faq_review.get(proposal_id)


@api.route("/proposals/<int:proposal_id>/approve")
class Approve(MethodView):
    @api.response(200, EntrySchema)
    @writer_required
    def post(self, proposal_id: int):
        """Approve someone else's change: it goes live now (403 for the proposer)."""
        entry = faq_review.approve(proposal_id=proposal_id, by=current_staff(), now=utcnow())
        db.session.commit()
        return entry


@api.route("/proposals/<int:proposal_id>/reject")
class Reject(MethodView):
    @api.arguments(RejectSchema)
    @api.response(200, ProposalSchema)
    @writer_required
    def post(self, body, proposal_id: int):
        """Send a change back with a note; the entry stays as it is."""
        row = faq_review.reject(proposal_id=proposal_id, by=current_staff(), now=utcnow(), note=body["note"])
        db.session.commit()
        return row


@api.route("/entries/<slug>/publish")
class Publish(MethodView):
    @api.response(200, EntrySchema)
    @writer_required
    def post(self, slug: str):
        """Publish: the bot may answer with this entry."""
        entry = faq_store.set_published(slug=slug, published=True, by=current_staff(), now=utcnow())
        db.session.commit()
        return entry


@api.route("/entries/<slug>/unpublish")
class Unpublish(MethodView):
    @api.response(200, EntrySchema)
    @writer_required
    def post(self, slug: str):
        """Unpublish: the bot stops answering with this entry (its next question rebuilds the index)."""
        entry = faq_store.set_published(slug=slug, published=False, by=current_staff(), now=utcnow())
        db.session.commit()
        return entry


@api.route("/queue")
class Queue(MethodView):
    @api.arguments(QueueQuery, location="query")
    @api.response(200, page_schema(QuestionSchema))
    @login_required
    def get(self, args):
        """Unanswered and close-call questions, most asked first."""
        return paginate(select(UnansweredQuestion).where(UnansweredQuestion.status == args["status"])
                        .order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_seen.desc()), args)


@api.route("/queue/<int:question_id>/paraphrase")
class ToParaphrase(MethodView):
    @api.arguments(SlugSchema)
    @api.response(200, QuestionSchema)
    @writer_required
    def post(self, body, question_id: int):
        """Add the question as a paraphrase of an entry and close it."""
        row = faq_queue.as_paraphrase(question_id=question_id, slug=body["entry"], by=current_staff(), now=utcnow())
        db.session.commit()
        return row


@api.route("/queue/<int:question_id>/entry")
class ToEntry(MethodView):
    @api.arguments(SlugSchema)
    @api.response(200, QuestionSchema)
    @writer_required
    def post(self, body, question_id: int):
        """Close the question as answered by a (new) entry."""
        row = faq_queue.as_new_entry(question_id=question_id, slug=body["entry"], by=current_staff(), now=utcnow())
        db.session.commit()
        return row


@api.route("/queue/<int:question_id>/dismiss")
class Dismiss(MethodView):
    @api.response(200, QuestionSchema)
    @writer_required
    def post(self, question_id: int):
        """Dismiss a question that needs no entry."""
        row = faq_queue.dismiss(question_id=question_id, by=current_staff(), now=utcnow())
        db.session.commit()
        return row


@api.route("/pins")
class Pins(MethodView):
    @api.response(200, PinSchema(many=True))
    @login_required
    def get(self):
        """Staff-pinned exact patterns."""
        return faq_store.pins()

    @api.arguments(PinCreateSchema)
    @api.response(201, PinSchema)
    @writer_required
    def post(self, body):
        """Pin a pattern (compared after normalisation) to an entry."""
        row = faq_store.pin(pattern=body["pattern"], slug=body["entry"], by=current_staff(), now=utcnow(),
                            normalise=faq.text_tools().normalise)
        db.session.commit()
        return row


@api.route("/pins/<int:pin_id>")
class PinItem(MethodView):
    @api.response(204)
    @writer_required
    def delete(self, pin_id: int):
        """Remove a pinned pattern."""
        faq_store.unpin(pin_id=pin_id, by=current_staff(), now=utcnow())
        db.session.commit()


@api.route("/try")
class Try(MethodView):
    @api.arguments(TryQuery, location="query")
    @api.response(200, TrySchema)
    @login_required
    def get(self, args):
        """What the bot would do with a question, and the ranking with its scores (nothing is recorded)."""
        return faq.classify(args["q"])
