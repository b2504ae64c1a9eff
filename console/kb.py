"""维权问答 knowledge base in the console: list, edit, publish/unpublish entries (review date, who changed what);
the queue of unanswered and close-call questions, each turnable into a paraphrase or a new entry; a "try a question"
box that shows the ranking with its scores; staff-pinned patterns. The JSON API is `console.kb_api`; the CLI is
`flask --app app kb import FILE`.

Every change goes through services.faq_store / services.faq_queue, which record the revision and the audit event.
"""
from __future__ import annotations

import re

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from console.auth import current_staff, deny, login_required, writer_required
from console.forms import REQUIRED, ConfirmForm, ConsoleForm, apply_error
from console.registry import Feature, NavItem, Widget, register_feature
from extensions import db
from models.faq import QueueStatus
from models.staff import Role
from services import DomainError, Invalid, faq, faq_queue, faq_review, faq_store
from services.clock import china_today, utcnow

pages = Blueprint("kb", __name__)

PROPOSED = "已提交审核：「{slug}」的修改须由另一位同事在「待审核修改」中通过后才生效，机器人目前仍用原来的内容回答"
PUBLISHED = "已发布「{slug}」"
UNPUBLISHED = "已下线「{slug}」，机器人不再用它回答"
PARAPHRASED = "已把这个问法加到「{slug}」"
DISMISSED = "已忽略这个问题"
PINNED = "已固定：这样问就直接回答「{slug}」"
UNPINNED = "已取消固定问法"
VIEWER_READ_ONLY = "只读账号不能修改知识库"
PER_PAGE = 50
KIND_LABELS = {faq.Kind.ANSWER: "直接回答", faq.Kind.SUGGEST: "您是不是想问（三选一）",
               faq.Kind.UNKNOWN: "答不了（记入待处理）", faq.Kind.SMALLTALK: "寒暄/无关（友好回复）", faq.Kind.REFER: "转其他部门（不引法条）"}


def _lines(text: str | None) -> list[str]:
    return [t.strip() for t in re.split(r"[\r\n]+", text or "") if t.strip()]


def _terms(text: str | None) -> list[str]:
    return [t for t in re.split(r"[、,，;；\s]+", text or "") if t]


class EntryForm(ConsoleForm):
    slug = StringField("编号（小写字母、数字、连字符）", validators=[Optional(), Length(max=64)])
    topic = StringField("主题", validators=[DataRequired(REQUIRED), Length(max=64)])
    question = StringField("标准问题", validators=[DataRequired(REQUIRED), Length(max=200)])
    paraphrases = TextAreaField("其他问法（每行一个）")
    keywords = TextAreaField("关键词（用顿号或空格分隔）")
    answer = TextAreaField("答案（一条消息，不超过350字）", validators=[DataRequired(REQUIRED)])
    citations = TextAreaField("依据（每行一条，如《消费者权益保护法》第25条）")
    related = StringField("相关条目编号（空格分隔）")
    next_step = StringField("下一步（如：回复“投诉”直接投诉）", validators=[Length(max=200)])
    reviewed = DateField("审核日期（不填则为今天）", validators=[Optional()])

    def values(self) -> dict:
        values = {"topic": self.topic.data.strip(), "question": self.question.data.strip(),
                  "paraphrases": _lines(self.paraphrases.data), "keywords": _terms(self.keywords.data),
                  "answer": self.answer.data.strip(), "citations": _lines(self.citations.data),
                  "related": _terms(self.related.data), "next_step": (self.next_step.data or "").strip()}
        if self.reviewed.data:
            values["reviewed"] = self.reviewed.data
        return values

    def fill(self, entry) -> None:
        self.slug.data, self.topic.data, self.question.data = entry.slug, entry.topic, entry.question
        self.paraphrases.data = "\n".join(entry.paraphrases)
        self.keywords.data = "、".join(map(str, entry.keywords))
        self.answer.data = entry.answer
        self.citations.data = "\n".join(entry.citations)
        self.related.data = " ".join(entry.related)
        self.next_step.data = entry.next_step
        self.reviewed.data = None


class PinForm(ConsoleForm):
    pattern = StringField("固定问法（完全一致时直接回答本条）", validators=[DataRequired(REQUIRED), Length(max=200)])


# ---------------------------------------------------------------------------------------------------- entries

def _due_for_review(me) -> int:
    return len(faq_store.listing(due_before=faq_store.review_due_before(china_today(utcnow()))))


@pages.get("/")
@login_required
def index():
    topic, text = request.args.get("topic") or None, (request.args.get("q") or "").strip()
    state = request.args.get("state") or ""
    published = {"on": True, "off": False}.get(state)
    due_before = faq_store.review_due_before(china_today(utcnow()))
    entries = faq_store.listing(topic=topic, published=published,
                                due_before=due_before if state == "due" else None)
    if text:
        entries = [e for e in entries if text in e.slug or text in e.question or text in e.answer]
    topics = sorted({e.topic for e in faq_store.listing()})
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    args = {k: v for k, v in {"topic": topic, "state": state, "q": text}.items() if v}
    return render_template("kb/index.html", entries=entries[(page - 1) * PER_PAGE:page * PER_PAGE],
                           total=len(entries), page=page, per_page=PER_PAGE, args=args, topics=topics, topic=topic,
                           q=text, state=state, due_before=due_before)


@pages.route("/new", methods=["GET", "POST"])
@writer_required
def new():
    form = EntryForm()
    queue_id = request.values.get("queue_id", type=int)
    if request.method == "GET" and queue_id:
        form.question.data = faq_queue.get(queue_id).text
    if form.validate_on_submit():
        try:
            slug = (form.slug.data or "").strip()
            if not slug:
                raise Invalid("请填写编号", field="slug")
            proposal = faq_review.propose(slug=slug, values=form.values(), by=current_staff(), now=utcnow(),
                                          create=True)
            if queue_id:
                faq_queue.as_new_entry(question_id=queue_id, slug=slug, by=current_staff(), now=utcnow(),
                                       proposed=True)
            db.session.commit()                     # the proposal and the closed question, together
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(PROPOSED.format(slug=slug), "ok")
            return redirect(url_for("kb.proposal", proposal_id=proposal.id))
    return render_template("kb/form.html", form=form, entry=None, queue_id=queue_id, revisions=[], pins=[],
                           pin_form=None, confirm=ConfirmForm()), 400 if form.errors else 200


@pages.route("/entries/<slug>", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    entry = faq_store.get(slug)
    form = EntryForm()
    if request.method == "GET":
        form.fill(entry)
    elif current_staff().role == Role.VIEWER:
        return deny(403, VIEWER_READ_ONLY)
    if request.method == "POST" and form.validate_on_submit():
        try:
            proposal = faq_review.propose(slug=slug, values=form.values(), by=current_staff(), now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            apply_error(form, err)
        else:
            flash(PROPOSED.format(slug=slug), "ok")
            return redirect(url_for("kb.proposal", proposal_id=proposal.id))
    pins = [p for p in faq_store.pins() if p.entry_id == entry.id]
    return render_template("kb/form.html", form=form, entry=entry, queue_id=None, pins=pins,
                           revisions=faq_store.revisions(slug), pin_form=PinForm(formdata=None),
                           waiting=faq_review.pending_for(slug),
                           field_labels={**faq_review.LABELS, "published": "发布状态", "pins": "固定问法"},
                           confirm=ConfirmForm()), 400 if form.errors else 200


@pages.post("/entries/<slug>/publish")
@writer_required
def publish(slug: str):
    return _set_published(slug, True)


@pages.post("/entries/<slug>/unpublish")
@writer_required
def unpublish(slug: str):
    return _set_published(slug, False)


def _set_published(slug: str, published: bool):
    if ConfirmForm().validate_on_submit():
        faq_store.set_published(slug=slug, published=published, by=current_staff(), now=utcnow())
        db.session.commit()
        flash((PUBLISHED if published else UNPUBLISHED).format(slug=slug), "ok")
    return redirect(url_for("kb.edit", slug=slug))


@pages.post("/entries/<slug>/pins")
@writer_required
def add_pin(slug: str):
    form = PinForm()
    if form.validate_on_submit():
        try:
            faq_store.pin(pattern=form.pattern.data, slug=slug, by=current_staff(), now=utcnow(),
                          normalise=faq.text_tools().normalise)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(PINNED.format(slug=slug), "ok")
    else:
        flash("请填写固定问法", "error")
    return redirect(url_for("kb.edit", slug=slug))


@pages.post("/pins/<int:pin_id>/delete")
@writer_required
def delete_pin(pin_id: int):
    slug = request.form.get("slug", "")
    if ConfirmForm().validate_on_submit():
        faq_store.unpin(pin_id=pin_id, by=current_staff(), now=utcnow())
        db.session.commit()
        flash(UNPINNED, "ok")
    return redirect(url_for("kb.edit", slug=slug) if slug else url_for("kb.index"))


# ---------------------------------------------------------------------------------------------------- queue, try

@pages.get("/queue")
@login_required
def queue():
    status = request.args.get("status") or QueueStatus.OPEN.value
    if status not in {s.value for s in QueueStatus}:
        status = QueueStatus.OPEN.value
    return render_template("kb/queue.html", rows=faq_queue.listing(status=status), status=status,
                           statuses=QueueStatus, confirm=ConfirmForm())


@pages.post("/queue/<int:question_id>/paraphrase")
@writer_required
def to_paraphrase(question_id: int):
    slug = (request.form.get("slug") or "").strip()
    if ConfirmForm().validate_on_submit():
        try:
            faq_queue.as_paraphrase(question_id=question_id, slug=slug, by=current_staff(), now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(PARAPHRASED.format(slug=slug), "ok")
    return redirect(url_for("kb.queue"))


@pages.post("/queue/<int:question_id>/dismiss")
@writer_required
def dismiss(question_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            faq_queue.dismiss(question_id=question_id, by=current_staff(), now=utcnow())
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(DISMISSED, "ok")
    return redirect(url_for("kb.queue"))


@pages.get("/try")
@login_required
def try_question():
    text = (request.args.get("q") or "").strip()
    result = faq.classify(text) if text else None
    return render_template("kb/try.html", q=text, result=result, labels=KIND_LABELS, thresholds={
        "EVIDENCE_MIN": faq.EVIDENCE_MIN, "ANSWER_COVERAGE": faq.ANSWER_COVERAGE, "ANSWER_MARGIN": faq.ANSWER_MARGIN})


# ---------------------------------------------------------------------------------------------------- CLI

@click.group("kb", help="维权问答知识库")
def kb_cli() -> None:
    pass


@kb_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=True))
@with_appcontext
def import_command(path: str) -> None:
    """Import a YAML file (or every *.yaml in a folder) of entries; all or nothing."""
    from pathlib import Path
    try:
        counts = faq.import_dir(path) if Path(path).is_dir() else faq.import_file(path)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo("imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def _open_questions(_me) -> int:
    return len(faq_queue.listing(status=QueueStatus.OPEN, limit=1000))


def _waiting_review(_me) -> int:
    return len(faq_review.pending())


from console import kb_api, kb_review  # noqa: E402,F401  (both register their routes on import)

register_feature(Feature(
    name="kb",
    pages=pages,
    api=kb_api.api,
    nav=[NavItem("维权问答", "kb.index", order=40)],
    widgets=[Widget("知识库 待审核修改", count=_waiting_review, endpoint="kb.review", order=39,
                    empty="没有待审核的知识库修改。同事修改条目后，须由另一人在这里审核通过才生效。"),
             Widget("维权问答 待处理问题", count=_open_questions, endpoint="kb.queue",
                    empty="没有待处理的问题。机器人答不了或拿不准的问题会按次数排在「维权问答 › 待处理」。", order=40),
             Widget("知识库 待复审条目", count=_due_for_review, endpoint="kb.index", args=(("state", "due"),),
                    empty="所有条目都在一年内审核过。", order=41)],
    commands=[kb_cli],
))
