"""The queue of questions the bot could not answer with confidence, for staff to turn into entries or paraphrases.

A question is stored in the consumer's own words (whitespace collapsed, trailing punctuation dropped, so "退款？" and
"退款" count as one) — "加为问法" then teaches the entry what people really type. The follower who asked is not stored
in the queue, so it holds no personal data beyond what a consumer typed in a question.

`unanswered(openid=, text=, ...)` is the one entry point for the bot; it takes the openid so that the staff inbox can
route an unanswered in-scope question to a staff thread from here (issue 11), without the queue keeping it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.faq import QUEUE_TRANSITIONS, QuestionOutcome, QueueStatus, UnansweredQuestion
from services import Conflict, NotFound, audit, faq_store

TEXT_LIMIT = 200
_TRAILING = "？?！!。.，,~～…、 "


def unanswered(*, openid: str, text: str, outcome: str, best_score: float, best_slug: str | None,
               now: datetime) -> None:
    """Queue a question the bot could not answer outright, in the consumer's original words. Called only for
    messages outside any flow (the router hands flow input to its flow, never to 维权问答)."""
    record(text=" ".join((text or "").split()).rstrip(_TRAILING), outcome=outcome, best_score=best_score,
           best_slug=best_slug, now=now)


def none_fitted(*, text: str) -> None:
    """The consumer said none of the menu's choices was the question: it is unanswered, not a close call."""
    text = " ".join((text or "").split()).rstrip(_TRAILING).strip()[:TEXT_LIMIT]
    db.session.execute(update(UnansweredQuestion).where(UnansweredQuestion.text == text)
                       .values(outcome=QuestionOutcome.UNANSWERED).execution_options(synchronize_session=False))


def record(*, text: str, outcome: str, best_score: float, best_slug: str | None, now: datetime) -> None:
    """Count one more asking of `text` (insert on first sight; the unique text backs concurrent first askings)."""
    text = text.strip()[:TEXT_LIMIT]
    if not text:
        return
    if _bump(text, outcome, best_score, best_slug, now):
        return
    try:
        with db.session.begin_nested():
            db.session.add(UnansweredQuestion(text=text, outcome=outcome, count=1, first_seen=now, last_seen=now,
                                              best_score=best_score, best_slug=best_slug, status=QueueStatus.OPEN))
    except IntegrityError:            # a concurrent first asking inserted it
        _bump(text, outcome, best_score, best_slug, now)


def _bump(text: str, outcome: str, best_score: float, best_slug: str | None, now: datetime) -> bool:
    result = db.session.execute(
        update(UnansweredQuestion).where(UnansweredQuestion.text == text)
        .values(count=UnansweredQuestion.count + 1, last_seen=now, outcome=outcome, best_score=best_score,
                best_slug=best_slug)
        .execution_options(synchronize_session=False))
    return result.rowcount > 0


def listing(*, status: str = QueueStatus.OPEN, limit: int = 200) -> list[UnansweredQuestion]:
    """Most asked first, then most recent."""
    return list(db.session.scalars(
        select(UnansweredQuestion).where(UnansweredQuestion.status == status)
        .order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_seen.desc()).limit(limit)))


def get(question_id: int) -> UnansweredQuestion:
    row = db.session.get(UnansweredQuestion, question_id)
    if row is None:
        raise NotFound("没有找到这个问题")
    return row


def _move(row: UnansweredQuestion, status: QueueStatus, *, by: Any, now: datetime, slug: str | None) -> None:
    if status not in QUEUE_TRANSITIONS[QueueStatus(row.status)]:
        raise Conflict("这个问题已经处理过了")
    audit.record(actor=by, action=f"kb_question.{status.value}", obj_type="kb_question", obj_id=row.id,
                 before={"status": row.status}, after={"status": status.value, "entry": slug}, now=now)
    row.status, row.resolved_by, row.resolved_at, row.entry_slug = status, faq_store.staff_name(by), now, slug


def as_paraphrase(*, question_id: int, slug: str, by: Any, now: datetime) -> UnansweredQuestion:
    """Teach entry `slug` this way of asking and close the question."""
    row = get(question_id)
    _move(row, QueueStatus.PARAPHRASE, by=by, now=now, slug=slug)
    faq_store.add_paraphrase(slug=slug, text=row.text, by=by, now=now)
    return row


def as_new_entry(*, question_id: int, slug: str, by: Any, now: datetime, proposed: bool = False
                 ) -> UnansweredQuestion:
    """Close the question as answered by the new entry `slug` (written by staff from it; `proposed`: the entry
    waits for a second person's review, services.faq_review, so it need not exist yet)."""
    row = get(question_id)
    if not proposed:
        faq_store.get(slug)
    _move(row, QueueStatus.NEW_ENTRY, by=by, now=now, slug=slug)
    db.session.flush()
    return row


def dismiss(*, question_id: int, by: Any, now: datetime) -> UnansweredQuestion:
    row = get(question_id)
    _move(row, QueueStatus.DISMISSED, by=by, now=now, slug=None)
    db.session.flush()
    return row
