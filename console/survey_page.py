"""The mobile page of a 消费调查 (/survey/?t=…): the whole survey on one phone screen, for surveys too long to answer
comfortably one chat message at a time. Followers reach it only by the signed link chat gives them
(`handlers.survey`, `services.survey_links`); there is no login and no list of surveys.

No script, our own stylesheet (/survey/static/survey.css), Simplified Chinese. What it promises:
- one response per follower, shared with chat: it files through `surveys.submit`, so submitting twice, or in chat
  and here, is one response; an anonymous survey keeps no openid (the link's openid only makes the dedup digest);
- a refusal writes nothing and says why on a 4xx page: a link altered (403) or expired (410), a follower who left
  (403), a survey not open (409), an unanswered required question (422, the form again with the answers kept).
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from extensions import db
from models.survey import QuestionKind, Survey, SurveyStatus
from services import Conflict, DomainError, PermissionDenied, followers, survey_links, surveys
from services.clock import to_china, utcnow

bp = Blueprint("survey_page", __name__, static_folder="survey_static", static_url_path="/static")

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
NOT_STARTED = "「{title}」还没有开始，请在开始后再填写。"
ENDED = "「{title}」已经结束，感谢您的关注。"
NOT_FOLLOWING = "请先关注本公众号再参加调查。"
MISSING = "还有{n}道题没有回答或填写有误，请检查标红的题目。"
PICK_ONE = "请选择一项"
PICK_SOME = "请至少选择一项"
RATE = "请选择1到5分"
TEXT_TOO_LONG = "请控制在{max}字以内"
BAD_REQUEST = "提交的内容无法识别，请返回公众号重新打开链接。"
TOO_LARGE = "提交的内容过长，请精简后再提交。"


def _invitation(token: str):
    """The follower and the open survey the link names; raises the DomainError to show otherwise."""
    now = utcnow()
    invitation = survey_links.Links.of(current_app.config).read(token, now=now)
    survey = surveys.get(invitation.survey_id)
    if survey.status == SurveyStatus.DRAFT:
        raise Conflict(NOT_STARTED.format(title=survey.title))
    if survey.status != SurveyStatus.OPEN or now >= survey.closes_at:
        raise Conflict(ENDED.format(title=survey.title))
    if not followers.is_following(invitation.openid):
        raise PermissionDenied(NOT_FOLLOWING)
    return invitation, survey


def _number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 4 else None


def read_answers(survey: Survey, form: MultiDict) -> tuple[dict[str, object], dict[int, str]]:
    """The form as `surveys.submit` stores answers (as chat does), and question id → what is wrong with it.
    Text questions are optional (chat takes 无 as an empty answer); every other kind must be answered."""
    answers: dict[str, object] = {}
    errors: dict[int, str] = {}
    for q in survey.questions:
        name, count = f"q{q.id}", len(q.options)
        if q.kind == QuestionKind.SINGLE:
            n = _number(form.get(name))
            if n is None or not 1 <= n <= count:
                errors[q.id] = PICK_ONE
            else:
                answers[str(q.id)] = [n]
        elif q.kind == QuestionKind.MULTI:
            picked = [_number(v) for v in form.getlist(name)]
            if not picked or any(n is None or not 1 <= n <= count for n in picked):
                errors[q.id] = PICK_SOME
            else:
                answers[str(q.id)] = sorted({n for n in picked if n is not None})
        elif q.kind == QuestionKind.RATING:
            n = _number(form.get(name))
            if n is None or not 1 <= n <= 5:
                errors[q.id] = RATE
            else:
                answers[str(q.id)] = n
        else:
            text = (form.get(name) or "").strip()
            if len(text) > surveys.TEXT_MAX:
                errors[q.id] = TEXT_TOO_LONG.format(max=surveys.TEXT_MAX)
            else:
                answers[str(q.id)] = text
    return answers, errors


def _form(survey: Survey, token: str, *, errors: dict[int, str] | None = None, status: int = 200):
    closes = to_china(survey.closes_at)
    return _headers(render_template(
        "survey_page/form.html", survey=survey, token=token, errors=errors or {},
        error=MISSING.format(n=len(errors)) if errors else None, form=request.form, kinds=surveys.KIND_LABELS,
        closes=f"{closes.month}月{closes.day}日{closes:%H:%M}", text_max=surveys.TEXT_MAX), status)


def _refused(err: DomainError):
    return _headers(render_template("survey_page/message.html", title="无法填写", message=err.message), err.status)


def _done(survey: Survey, *, already: bool):
    return _headers(render_template("survey_page/message.html", title="提交成功" if not already else "已经参加过",
                                    message=(f"您已参加过「{survey.title}」，每人限答一次，感谢支持！" if already
                                             else f"提交成功，感谢您参加「{survey.title}」！"), done=True), 200)


def _opened(token: str):
    """(invitation, survey, None) for a link that may still answer, else (None, None, the page to show instead:
    refused, or already answered)."""
    try:
        invitation, survey = _invitation(token)
    except DomainError as err:
        return None, None, _refused(err)
    if surveys.existing(survey_id=survey.id, openid=invitation.openid) is not None:
        return None, None, _done(survey, already=True)
    return invitation, survey, None


@bp.get("/")
def show():
    token = request.args.get("t", "")
    _, survey, instead = _opened(token)
    return instead or _form(survey, token)


@bp.post("/")
def submit():
    token = request.form.get("t", "")
    invitation, survey, instead = _opened(token)
    if instead is not None:
        return instead
    answers, errors = read_answers(survey, request.form)
    if errors:
        return _form(survey, token, errors=errors, status=422)
    try:
        surveys.submit(survey_id=survey.id, openid=invitation.openid, answers=answers, now=utcnow())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _refused(err)
    return _done(survey, already=False)


@bp.errorhandler(BadRequest)
@bp.errorhandler(RequestEntityTooLarge)
def _unreadable(err):
    """A body the app refuses before the view reads it (over 64 KiB, malformed): the same Chinese page, not
    werkzeug's English one."""
    status = err.code or 400
    return _headers(render_template("survey_page/message.html", title="无法提交",
                                    message=TOO_LARGE if status == 413 else BAD_REQUEST), status)


def _headers(body: str, status: int):
    """Per follower and never cached or framed; no referrer carries the link's token elsewhere."""
    return body, status, {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                          "Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY",
                          "X-Robots-Tag": "noindex"}
