"""消费调查: define a survey, open and close it (by hand or on schedule), take one follower's answers, count them.

Guarantee: one response per follower per survey — `survey_responses` is unique on (survey, voter digest) and `submit`
inserts inside a savepoint, so a 确认 WeChat re-sends (or two workers racing) files once and the second call gets
the first response back. An anonymous survey keeps no openid with the response, and its export has no identifier.
Answers arrive parsed (option numbers, a rating 1–5, or text; `handlers.survey` reads them from chat).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import logs
from extensions import db
from models.survey import QuestionKind, Survey, SurveyQuestion, SurveyResponse, SurveyStatus
from models.publication import Kind as PublicationKind
from services import Conflict, Invalid, NotFound, audit, followers, privacy, publications, sheets
from services.clock import to_china

log = logs.get(__name__)

KIND_LABELS = {QuestionKind.SINGLE: "单选", QuestionKind.MULTI: "多选", QuestionKind.RATING: "评分（1-5）",
               QuestionKind.TEXT: "简答"}
STATUS_LABELS = {SurveyStatus.DRAFT: "未开始", SurveyStatus.OPEN: "进行中", SurveyStatus.CLOSED: "已结束"}
ALLOWED = {SurveyStatus.DRAFT: {SurveyStatus.OPEN}, SurveyStatus.OPEN: {SurveyStatus.CLOSED},
           SurveyStatus.CLOSED: set()}
TEXT_MAX = 500

NOT_FOUND = "没有找到这个调查"
TITLE_NEEDED = "请填写调查标题"
NO_QUESTIONS = "至少要有一道题"
OPTIONS_NEEDED = "第{n}题（{kind}）至少要有两个选项"
TIMES_ORDER = "结束时间应晚于开始时间"
BAD_MOVE = "调查{status}，不能{action}"
NOT_OPEN = "这个调查目前不接受回答"
INCOMPLETE = "还有题目没有回答"


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text: str
    options: Sequence[str] = field(default_factory=tuple)


def digest(survey_id: int, openid: str) -> str:
    return hashlib.sha256(f"survey:{survey_id}:{openid}".encode()).hexdigest()


def get(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(NOT_FOUND)
    return survey


def listing() -> list[Survey]:
    return list(db.session.scalars(select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())))


def create(*, title: str, intro: str, anonymous: bool, opens_at: datetime, closes_at: datetime,
           questions: Sequence[QuestionSpec], by: Any, now: datetime) -> Survey:
    """A draft survey (audited; caller commits). The scheduler opens it at `opens_at`."""
    if not title.strip():
        raise Invalid(TITLE_NEEDED, field="title")
    if closes_at <= opens_at:
        raise Invalid(TIMES_ORDER, field="closes_at")
    rows = []
    for spec in questions:
        if not spec.text.strip():
            continue
        kind = QuestionKind(spec.kind)
        options = [o.strip()[:50] for o in spec.options if o.strip()]
        if kind in {QuestionKind.SINGLE, QuestionKind.MULTI} and len(options) < 2:
            raise Invalid(OPTIONS_NEEDED.format(n=len(rows) + 1, kind=KIND_LABELS[kind]), field="questions")
        rows.append(SurveyQuestion(position=len(rows) + 1, kind=kind, text=spec.text.strip()[:200],
                                   options=options if kind in {QuestionKind.SINGLE, QuestionKind.MULTI} else []))
    if not rows:
        raise Invalid(NO_QUESTIONS, field="questions")
    survey = Survey(title=title.strip()[:64], intro=intro.strip(), anonymous=anonymous, status=SurveyStatus.DRAFT,
                    opens_at=opens_at, closes_at=closes_at, created_by=(getattr(by, "username", None) or str(by))[:64],
                    created_at=now, questions=rows)
    db.session.add(survey)
    db.session.flush()
    audit.record(actor=by, action="survey.create", obj_type="survey", obj_id=survey.id, now=now,
                 after={"title": survey.title, "questions": len(rows), "anonymous": anonymous})
    return survey


def transition(*, survey_id: int, to: SurveyStatus, by: Any, now: datetime) -> Survey:
    survey = get(survey_id)
    if to not in ALLOWED[SurveyStatus(survey.status)]:
        action = "开始" if to == SurveyStatus.OPEN else "结束"
        raise Conflict(BAD_MOVE.format(status=STATUS_LABELS[SurveyStatus(survey.status)], action=action))
    before = survey.status
    survey.status = to
    audit.record(actor=by, action=f"survey.{to}", obj_type="survey", obj_id=survey.id, now=now,
                 before={"status": before}, after={"status": to})
    db.session.flush()
    return survey


def open_due(*, now: datetime) -> int:
    """Open drafts whose opening time has come (and that have not already passed their close); the caller commits."""
    due = db.session.scalars(select(Survey).where(Survey.status == SurveyStatus.DRAFT, Survey.opens_at <= now,
                                                  Survey.closes_at > now)).all()
    for survey in due:
        transition(survey_id=survey.id, to=SurveyStatus.OPEN, by="scheduler", now=now)
    db.session.flush()
    return len(due)


def close_due(*, now: datetime) -> int:
    """Close open surveys whose closing time has passed; the caller commits."""
    due = db.session.scalars(select(Survey).where(Survey.status == SurveyStatus.OPEN, Survey.closes_at <= now)).all()
    for survey in due:
        transition(survey_id=survey.id, to=SurveyStatus.CLOSED, by="scheduler", now=now)
    db.session.flush()
    return len(due)


def for_followers(*, now: datetime) -> Survey | None:
    """The survey chat offers: the newest open one still before its closing time."""
    return db.session.scalar(select(Survey).where(Survey.status == SurveyStatus.OPEN, Survey.closes_at > now)
                             .order_by(Survey.opens_at.desc(), Survey.id.desc()).limit(1))


def existing(*, survey_id: int, openid: str) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                                          SurveyResponse.voter_digest == digest(survey_id, openid)))


def submit(*, survey_id: int, openid: str, answers: dict[str, Any], now: datetime) -> SurveyResponse:
    """File one follower's answers once; a repeat returns the response already filed (caller commits)."""
    survey = get(survey_id)
    if survey.status != SurveyStatus.OPEN or now >= survey.closes_at:
        raise Conflict(NOT_OPEN)
    if {str(q.id) for q in survey.questions} - set(answers):
        raise Invalid(INCOMPLETE)
    found = existing(survey_id=survey_id, openid=openid)
    if found is not None:
        return found
    response = SurveyResponse(survey_id=survey_id, voter_digest=digest(survey_id, openid),
                              openid=None if survey.anonymous else openid, answers=dict(answers), submitted_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:                       # the same 确认 filed by a racing delivery
        return existing(survey_id=survey_id, openid=openid)
    log.info("survey answered", survey=survey_id)
    return response


ANNOUNCE_TITLE = "消费调查：{title}"
ANNOUNCE_SUMMARY = "{intro}发送“调查”即可参加，{closes}截止。"
ANNOUNCE_BODY = ("{intro}\n\n在公众号对话框发送“调查”即可参加，共{n}题，约需一两分钟{anonymous}。调查于{closes}截止，"
                 "感谢您的参与！")


def announce(*, survey_id: int, by: Any, now: datetime):
    """Draft the 消费提示 that announces the survey (once; a second call returns the same draft). It then goes through
    the publications' own review, approval and sending. The caller commits."""
    survey = get(survey_id)
    if survey.publication_id is not None:
        return publications.get(survey.publication_id)
    end = to_china(survey.closes_at)
    closes = f"{end.month}月{end.day}日{end:%H:%M}"
    intro = survey.intro.strip()
    pub = publications.create(
        author=(getattr(by, "username", None) or str(by))[:64], now=now, kind=PublicationKind.TIP,
        title=ANNOUNCE_TITLE.format(title=survey.title)[:64],
        summary=ANNOUNCE_SUMMARY.format(intro=intro[:80] + ("。" if intro and intro[-1] not in "。！？" else ""),
                                        closes=closes)[:200],
        body=ANNOUNCE_BODY.format(intro=intro, n=len(survey.questions), closes=closes,
                                  anonymous="，匿名填写" if survey.anonymous else ""), tags="调查")
    survey.publication_id = pub.id
    audit.record(actor=by, action="survey.announce", obj_type="survey", obj_id=survey.id, now=now,
                 after={"publication": pub.id})
    db.session.flush()
    return pub


@followers.on_unsubscribe
def forget_respondent(openid: str, now: datetime) -> None:
    """A follower who leaves keeps their (counted) answers; only the openid is erased. The digest stays, so
    re-following does not give a second response."""
    db.session.execute(update(SurveyResponse).where(SurveyResponse.openid == openid).values(openid=None))


@dataclass
class QuestionResult:
    question: SurveyQuestion
    counts: list[tuple[str, int]] = field(default_factory=list)     # choice: (label, n); rating: ("5分", n)…
    average: float | None = None
    texts: list[str] = field(default_factory=list)


def responses(survey_id: int) -> list[SurveyResponse]:
    return list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
                                   .order_by(SurveyResponse.id)))


def results(survey_id: int) -> list[QuestionResult]:
    survey, found = get(survey_id), responses(survey_id)
    out = []
    for q in survey.questions:
        given = [r.answers.get(str(q.id)) for r in found if r.answers.get(str(q.id)) not in (None, "", [])]
        result = QuestionResult(question=q)
        if q.kind in {QuestionKind.SINGLE, QuestionKind.MULTI}:
            result.counts = [(label, sum(1 for a in given if n in a)) for n, label in enumerate(q.options, 1)]
        elif q.kind == QuestionKind.RATING:
            result.counts = [(f"{n}分", sum(1 for a in given if a == n)) for n in range(5, 0, -1)]
            result.average = round(sum(given) / len(given), 2) if given else None
        else:
            result.texts = [privacy.mask_phones_in(str(a)) for a in given]     # consumers type phone numbers
        out.append(result)
    return out


def _cell(question: SurveyQuestion, answer: Any) -> str:
    if answer in (None, "", []):
        return ""
    if question.kind in {QuestionKind.SINGLE, QuestionKind.MULTI}:
        return "、".join(question.options[n - 1] for n in answer if 1 <= n <= len(question.options))
    return privacy.mask_phones_in(str(answer)) if question.kind == QuestionKind.TEXT else str(answer)


def export_xlsx(survey_id: int) -> bytes:
    """One row per response, phone numbers in text answers masked. A named survey shows the masked openid; an
    anonymous one has no identifier at all, and its rows are in no particular order a follower could be matched by
    (sorted by the answers)."""
    survey = get(survey_id)
    book = Workbook()
    sheet = book.active
    sheet.title = "回答"
    head = ([] if survey.anonymous else ["粉丝", "提交时间"]) + [f"{q.position}. {q.text}" for q in survey.questions]
    sheets.append(sheet, head)
    rows = []
    for r in responses(survey_id):
        cells = [_cell(q, r.answers.get(str(q.id))) for q in survey.questions]
        rows.append(cells if survey.anonymous else [privacy.mask_openid(r.openid), f"{r.submitted_at:%Y-%m-%d %H:%M}",
                                                    *cells])
    for row in (sorted(rows) if survey.anonymous else rows):
        sheets.append(sheet, row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
