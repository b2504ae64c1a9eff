"""消费调查 in chat (调查, 问卷, 消费调查): one question at a time — single choice, multiple choice, rating 1–5, short
text — then a summary to 确认. Nothing is stored until 确认; `services.surveys.submit` files it once, so a 确认 WeChat
re-sends is not a second response.

With PUBLIC_BASE_URL set, the first reply also carries the follower's own signed link to the mobile page
(`console.survey_page`, `services.survey_links`): recommended first for a survey of more than `LONG_SURVEY`
questions, offered as an alternative after the first question otherwise. Either way is the same one response."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.conversation import Flow, Progress, Turn
from bot.messages import Reply
from bot.numbers import parse_choice, parse_numbers
from models.survey import QuestionKind, Survey, SurveyQuestion
from services import DomainError, Invalid, followers, survey_links, surveys

NO_SURVEY = "目前没有正在进行的消费调查，感谢关注。"
NOT_FOLLOWING = "请先关注本公众号再参加调查。"
ALREADY = "您已参加过「{title}」，每人限答一次，感谢支持！"
INTRO = "【{title}】{anonymous}\n{intro}"
ANONYMOUS = "（匿名调查，不记录您的身份）"
QUESTION = "第{n}题（共{total}题，{kind}）：{text}\n{options}"
HINTS = {QuestionKind.SINGLE: "请回复一个选项编号。", QuestionKind.MULTI: "可多选，编号用空格隔开，如：1 3",
         QuestionKind.RATING: "请回复1到5的数字，5为最满意。", QuestionKind.TEXT: "请直接回复文字，没有请回复“无”。"}
PICK_ONE = "请回复一个选项编号（1到{count}）。"
PICK_SOME = "请回复选项编号，可多选，用空格或逗号隔开（1到{count}）。"
RATE = "请回复1到5之间的一个数字（5为最满意）。"
TEXT_TOO_LONG = "请控制在{max}字以内。"
SUMMARY = "请确认您的回答：\n{lines}\n回复“确认”提交（提交后不能修改），回复“取消”放弃。"
ASK_CONFIRM = "请回复“确认”提交，或回复“取消”放弃。"
THANKS = "提交成功，感谢您参加「{title}」！"
CONFIRM_WORDS = frozenset({"确认", "确定", "提交", "是", "好"})
SKIP_WORDS = frozenset({"无", "没有", "跳过"})
NOUN = "调查"
LONG_SURVEY = 5           # more questions than this: the page is recommended before the first question
WEB_LONG = "本调查共{n}题，建议<a href=\"{url}\">点这里在手机网页上填写</a>（链接{hours}小时内有效，仅限您本人使用）；也可以直接在这里逐题回答。"
WEB_SHORT = "也可以<a href=\"{url}\">点这里在手机网页上填写</a>。"


def _question_text(survey: Survey, index: int) -> str:
    q = survey.questions[index]
    options = "\n".join(f"{n}. {label}" for n, label in enumerate(q.options, 1))
    text = QUESTION.format(n=index + 1, total=len(survey.questions), kind=surveys.KIND_LABELS[QuestionKind(q.kind)],
                           text=q.text, options=options).rstrip()
    return f"{text}\n{HINTS[QuestionKind(q.kind)]}"


def parse(question: SurveyQuestion, text: str) -> list[int] | int | str:
    """One typed answer as stored: option numbers, a rating, or text. Raises Invalid saying what to type."""
    count = len(question.options)
    if question.kind == QuestionKind.SINGLE:
        n = parse_choice(text)
        if n is None or not 1 <= n <= count:
            raise Invalid(PICK_ONE.format(count=count))
        return [n]
    if question.kind == QuestionKind.MULTI:
        numbers = parse_numbers(text)
        if not numbers or any(not 1 <= n <= count for n in numbers):
            raise Invalid(PICK_SOME.format(count=count))
        return sorted(numbers)
    if question.kind == QuestionKind.RATING:
        n = parse_choice(text)
        if n is None or not 1 <= n <= 5:
            raise Invalid(RATE)
        return n
    if len(text) > surveys.TEXT_MAX:
        raise Invalid(TEXT_TOO_LONG.format(max=surveys.TEXT_MAX))
    return "" if text in SKIP_WORDS else text


def start(turn: Turn) -> Reply:
    """Show the open survey and its first question; or say why there is nothing to answer."""
    if not followers.is_following(turn.incoming.openid):
        return turn.end(NOT_FOLLOWING)
    survey = surveys.for_followers(now=turn.now)
    if survey is None:
        return turn.end(NO_SURVEY)
    if surveys.existing(survey_id=survey.id, openid=turn.incoming.openid) is not None:
        return turn.end(ALREADY.format(title=survey.title))
    turn.data.update(survey=survey.id, index=0, answers={}, title=survey.title)
    intro = INTRO.format(title=survey.title, anonymous=ANONYMOUS if survey.anonymous else "", intro=survey.intro)
    first = _question_text(survey, 0)
    links = turn.services.survey_links if turn.services is not None else None
    url = links.url(survey_id=survey.id, openid=turn.incoming.openid, now=turn.now) if links else None
    if url and len(survey.questions) > LONG_SURVEY:
        web = WEB_LONG.format(n=len(survey.questions), url=url, hours=survey_links.LINK_HOURS)
        return turn.goto("answer", f"{intro.strip()}\n\n{web}\n\n{first}")
    if url:
        return turn.goto("answer", f"{intro.strip()}\n\n{first}\n\n{WEB_SHORT.format(url=url)}")
    return turn.goto("answer", f"{intro.strip()}\n\n{first}")


def answer(turn: Turn) -> Reply:
    """Store the answer to the current question; ask the next one, or show the summary to confirm."""
    survey = surveys.get(turn.data["survey"])
    index = turn.data["index"]
    question = survey.questions[index]
    try:
        turn.data["answers"][str(question.id)] = parse(question, turn.text)
    except Invalid as err:
        return turn.stay(f"{err.message}\n\n{_question_text(survey, index)}")
    if index + 1 < len(survey.questions):
        turn.data["index"] = index + 1
        return turn.goto("answer", _question_text(survey, index + 1))
    return turn.goto("confirm", _summary(survey, turn.data["answers"]))


def _shown(question: SurveyQuestion, value: Any) -> str:
    if question.kind in {QuestionKind.SINGLE, QuestionKind.MULTI}:
        return "、".join(question.options[n - 1] for n in value)
    if question.kind == QuestionKind.RATING:
        return f"{value}分"
    return value or "无"


def _summary(survey: Survey, answers: dict) -> str:
    lines = [f"{q.position}. {q.text}：{_shown(q, answers[str(q.id)])}" for q in survey.questions]
    return SUMMARY.format(lines="\n".join(lines))


def confirm(turn: Turn) -> Reply:
    """On 确认, file the answers (once, even if WeChat re-sends) and thank the follower."""
    if turn.text not in CONFIRM_WORDS:
        return turn.stay(ASK_CONFIRM)
    if surveys.existing(survey_id=turn.data["survey"], openid=turn.incoming.openid) is not None:
        return turn.end(ALREADY.format(title=turn.data["title"]))       # answered on the mobile page meanwhile
    try:
        surveys.submit(survey_id=turn.data["survey"], openid=turn.incoming.openid, answers=turn.data["answers"],
                       now=turn.now)
    except DomainError as err:
        return turn.end(err.message)
    return turn.end(THANKS.format(title=turn.data["title"]))


def progress(step: str, data: dict) -> Progress:
    """Where a survey stands: the question being answered, or the summary."""
    if step == "answer":
        return Progress(noun=NOUN, number=data.get("index", 0) + 1, label=f"第{data.get('index', 0) + 1}题")
    return Progress(noun=NOUN, label="已经答完，还没有提交")


ANSWER = Flow(name="survey", title="消费调查", start=start, steps={"answer": answer, "confirm": confirm},
              free_text=frozenset({"answer"}), progress=progress,
              words=frozenset({"调查", "问卷", "消费调查", "参加调查"}), timeout=timedelta(minutes=30))

ENTRIES = [ANSWER]
