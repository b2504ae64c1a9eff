"""A linear form declared as one table of questions (STYLE 20), run by the flow engine (`bot.conversation`).

A `Form` is an ordered tuple of `Question`s. Each names its step (a member of the feature's `Step` enum), its
prompt, the label shown in the summary and the 修改 list, and `take`: one small function that validates the answer,
stores it in `turn.data` and returns None to go on (or a reply to stay on the step). Everything else is derived
from the table: the order, the "第N步" numbers, the summary lines, the 修改 targets and where a paused form stands
("已填到第2步（商家地址）"). Changing the wording or the order of a question is one edit to the table.

A form may start with answers already known (`prefilled`: a QR scene's business): those questions are skipped, the
first question says what was filled in, and the summary shows them for 修改 like any other answer.

Each question says which kinds of message it takes (`accepts`: typed or spoken text by default; a location for an
address, images for photos). A question that `collects` (the photos) also takes its kind at any other question — a
receipt photo sent while telling the story is kept as evidence, and the question being asked is asked again. Any
other message a question cannot take is asked again with "请用文字回复".

After the last question the form shows the summary: 确认 runs `submit`, 修改 lists the questions by number and asks
one again (then back to the summary). An optional question accepts 跳过/无 and stores None. 取消 is the engine's.

A consumer who notices a slip after answering says so the way people do ("不对 是西街那家", "刚才填错了", "上一步"):
at a question, that asks the previous question again instead of being stored as this one's answer; at the summary,
it lists the questions as 修改 does. A question that gathers several messages (the story) keeps such a message as
part of what it gathers (`corrects: False`), since there "说错了 是前天买的" corrects the story itself. "上一步" as the
whole message is never an answer anywhere: during the story it goes back too, at the first question it says there is
nothing before it, and while one item is redone from the summary it returns to the summary unchanged. A short message
naming an earlier item as wrong ("地址写错了" at the phone question) asks that item again, then the question it
interrupted.

An answer typed before its question ("13800138000" or "我叫张三" while the story is told) is stored as that question's
answer when it can be nothing else (`ahead`): that question is not asked later, and the summary shows it for 修改.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

from bot.conversation import Flow, Progress, Turn
from bot.messages import Reply
from bot.flow_types import PREFILLED, squeeze
from bot.numbers import parse_choice
from services import DomainError

NUMBERED = "第{n}步：{prompt}"
SUMMARY = "请核对您的{noun}：\n{lines}\n\n确认无误请回复“确认”；需要修改请回复“修改”；放弃请回复“取消”。"
SUMMARY_LINE = "{label}：{value}"
CONFIRM_ASK = "请回复“确认”提交，“修改”更改某一项，或“取消”放弃。"
EDIT_ASK = "要修改哪一项？回复数字：\n{lines}"
EDIT_LINE = "{n}. {label}"
BAD_EDIT = "没有第{n}项。请回复 1 到 {count} 之间的数字。"
EDIT_NOT_NUMBER = "请回复要修改的那一项前面的数字（1 到 {count}）。"
AT_SUMMARY = "已经填完，还没有提交"
COLLECTED = "收到，已记入“{label}”。\n{ask}"
NEED_TEXT = "这一步请用文字回复。\n{ask}"
TEXT = frozenset({"text", "voice"})
FILLED_IN = "已为您填好：{items}（最后核对时可以修改）。"
FILLED_ITEM = "{label}“{value}”"
NONE_LABEL = "无"
SKIP_WORDS = frozenset({"跳过", "无", "没有", "不填"})
CONFIRM_WORDS = frozenset({"确认", "确定", "提交", "确认提交"})
# Agreeing with the summary in one's own words ("没问题", "对的", "没错", "可以了"): 确认
SUMMARY_OK = re.compile(r"(没问题|没错|对的|对|都对|可以|可以了|好|好的|行|是的|无误|确认无误|没有问题|就这样|ok)[了啦吧呀啊哈]*",
                        re.IGNORECASE)
EDIT_WORDS = frozenset({"修改", "改", "更改"})
# "I got the last answer wrong", as typed in a hurry: at the start of the message ("不对外公开吧", "不对劲" are not)
CORRECTION = re.compile(r"^(不对(?![外劲称应口付])|错了|有错|说错了?|写错了?|填错了?|打错了?|输错了?|搞错了?|弄错了?|"
                        r"刚才(的|那个)?(说|写|填|打|输)?错了?|(返回|回到|退回)?上一步|我要改一下|改一下)")
# A summary item said to be wrong, or to be changed: "地址写错了", "电话不对", "改一下名字", "金额有误"
WRONG = re.compile(r"错|不对|有误|改|换一?下|更正")
# "上一步" as the whole message is never an answer, not even to a question that gathers several messages (the story)
BACK_ONLY = re.compile(r"(返回|回到|退回|回)?上一步|返回|后退")
BACK = "好的，回到上一步重新填写。\n{ask}"
REDO = "好的，重新填写{label}。\n{ask}"
# The right value given with the correction at the summary ("电话改成13900001111", "金额不对 是三百")
NEW_VALUE = re.compile(r"(改成|改为|换成|应该是|应是|其实是|是)[:：]?\s*(?P<value>\S.*)$")
TAKEN_AHEAD = "已记下{label}：{value}，后面不用再填。\n{ask}"
NAMED_MAX = 12                    # "地址写错了", "改一下店名": longer messages are answers that mention an item
FIRST_ALREADY = "这已经是第一步了，请直接回答：\n{ask}"
NOT_YET = "还没有填完，请先回答这一步：\n{ask}"
# "好的", "嗯", "谢谢" or an emoji after the bot answered a question mid-form, or offered the draft back: an
# acknowledgement, never a shop's name, an address or a person's name (the question is asked again)
ACKNOWLEDGED = re.compile(r"(好|好的|好滴|好嘞|嗯|嗯嗯|哦|哦哦|噢|喔|行|中|知道了|明白|明白了|懂了|收到|了解|谢谢|谢了|多谢|"
                          r"谢谢你|ok|okay|可以|对|对的|是|是的|没问题|哈哈|呵呵)[了啦呀啊哈的哦嗯]*", re.IGNORECASE)
GO_ON = "好的，请接着回答：\n{ask}"
REDO_HERE = "好的，请重新填写：\n{ask}"

CONFIRM, EDIT = "confirm", "edit"
EDITING = "_editing"              # in turn.data while one question is being redone from the summary
RESUME = "_resume"                # in turn.data while an earlier item is redone mid-form: the question to return to
AHEAD = "_ahead"                  # in turn.data: the steps answered before they were asked, never asked again


@dataclass(frozen=True)
class Question:
    step: str                                               # a member of the feature's Step enum
    prompt: str | Callable[[dict], str]                     # or made from the answers so far
    label: str
    take: Callable[[Turn], Reply | None]                    # store the answer; a Reply stays on this step
    optional: bool = False                                  # 跳过/无 stores None
    show: Callable[[dict], str] | None = None               # the summary value; default: the stored text or 无
    asked: Callable[[dict], bool] = lambda data: True       # asked (and summarised) only when this holds
    free_text: bool = True                                  # takes typed text (the engine's interruption rule)
    accepts: frozenset[str] = TEXT                          # the message types it takes (MsgType)
    collects: bool = False                                  # also takes its non-text kinds at any other question
    corrects: bool = True                                   # "不对"/"上一步" here asks the previous question again
    names: str = ""                                         # words naming it ("地址|位置"), for "地址写错了"; the label
    ahead: re.Pattern | None = None                         # a whole message that can only be this answer, typed early

    def ask(self, data: dict) -> str:
        return self.prompt(data) if callable(self.prompt) else self.prompt


@dataclass(frozen=True)
class Form:
    noun: str                                               # "投诉", used in the summary and progress lines
    questions: tuple[Question, ...]
    submit: Callable[[Turn], Reply]                         # on 确认: file it, then turn.end(...)
    order: list[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", [q.step for q in self.questions])

    def question(self, step: str) -> Question:
        return self.questions[self.order.index(step)]

    def number(self, step: str) -> int:
        return self.order.index(step) + 1

    # --- moving through the table ----------------------------------------------------------------------------
    def ask(self, turn: Turn, step: str) -> Reply:
        """Go to `step` and ask its numbered question."""
        return turn.goto(step, NUMBERED.format(n=self.number(step), prompt=self.question(step).ask(turn.data)))

    def prefilled(self, answers: Mapping[str, str | None]) -> dict:
        """Form data with these answers (step → text) already given; empty ones are left to ask."""
        data: dict = {step: value for step, value in answers.items() if value and step in self.order}
        data[PREFILLED] = list(data)
        return data

    def first(self, turn: Turn) -> Reply:
        """Ask the first question not answered before the form began (saying what was), or show the summary."""
        given = [self.question(step) for step in turn.data.get(PREFILLED, [])]
        reply = self._next(turn, 0)
        if given:
            items = "，".join(FILLED_ITEM.format(label=q.label, value=(q.show or _stored(q.step))(turn.data))
                             for q in given)
            reply.text = f"{FILLED_IN.format(items=items)}\n{reply.text}"
        return reply

    def onward(self, turn: Turn, step: str) -> Reply:
        """After storing `step`'s answer: back to the summary when editing, else the next question still asked."""
        if turn.data.pop(EDITING, False):
            return turn.goto(CONFIRM, self.summary(turn.data))
        resume = turn.data.pop(RESUME, None)
        if resume in self.order and self._to_ask(turn, [resume]):
            return self.ask(turn, resume)
        return self._next(turn, self.order.index(step) + 1)

    def back(self, turn: Turn, step: str) -> Reply | None:
        """Ask again the question answered before `step` (None at the first one, or while redoing one from the
        summary, where the answer itself is what is being corrected)."""
        if turn.data.get(EDITING):
            return None
        earlier = self._to_ask(turn, self.order[:self.order.index(step)])
        if not earlier:
            return None
        reply = self.ask(turn, earlier[-1])
        reply.text = BACK.format(ask=reply.text)
        return reply

    def _next(self, turn: Turn, index: int) -> Reply:
        later = self._to_ask(turn, self.order[index:])
        return self.ask(turn, later[0]) if later else turn.goto(CONFIRM, self.summary(turn.data))

    def _to_ask(self, turn: Turn, steps: list[str]) -> list[str]:
        """The steps among `steps` this consumer is asked: not prefilled, and asked given the answers so far."""
        given = set(turn.data.get(PREFILLED, [])) | set(turn.data.get(AHEAD, []))
        return [s for s in steps if s not in given and self.question(s).asked(turn.data)]

    def summary(self, data: dict) -> str:
        lines = [SUMMARY_LINE.format(label=q.label, value=(q.show or _stored(q.step))(data))
                 for q in self.questions if q.asked(data)]
        return SUMMARY.format(noun=self.noun, lines="\n".join(lines))

    def progress(self, step: str, data: dict) -> Progress | None:
        """Where a paused form stands, for the engine's "您的投诉已填到第2步（商家地址）" lines."""
        if step in self.order:
            return Progress(noun=self.noun, number=self.number(step), label=self.question(step).label)
        if step in {CONFIRM, EDIT}:
            return Progress(noun=self.noun, label=AT_SUMMARY)
        return Progress(noun=self.noun)

    # --- the steps the engine runs -----------------------------------------------------------------------------
    def steps(self) -> dict[str, Callable[[Turn], Reply]]:
        table = {q.step: self._runner(q) for q in self.questions}
        table.update({CONFIRM: self.confirm, EDIT: self.edit})
        return table

    def free_text_steps(self) -> frozenset[str]:
        return frozenset(q.step for q in self.questions if q.free_text)

    def _runner(self, question: Question) -> Callable[[Turn], Reply]:
        def run(turn: Turn) -> Reply:
            if turn.incoming.type not in question.accepts:
                return self._elsewhere(turn, question)
            only_back = turn.incoming.has_text and BACK_ONLY.fullmatch(squeeze(turn.text)) is not None
            if only_back or question.corrects and turn.incoming.has_text and (CORRECTION.match(turn.text) or
                                                                              turn.text in EDIT_WORDS):
                back = self.back(turn, question.step)       # "修改" before the summary: the last answer, again
                if back is not None:
                    return back
                if only_back:                               # never stored as the answer
                    if turn.data.pop(EDITING, False):       # redoing one from the summary: back to it, unchanged
                        return turn.goto(CONFIRM, self.summary(turn.data))
                    return turn.stay(FIRST_ALREADY.format(ask=self.ask(turn, question.step).text))
            if question.corrects and question.free_text and turn.incoming.has_text and _acknowledges(turn.text):
                return turn.stay(GO_ON.format(ask=self.ask(turn, question.step).text))
            if turn.incoming.has_text and not turn.data.get(EDITING):
                redo = self._redo_earlier(turn, question.step) or self._take_ahead(turn, question.step)
                if redo is not None:
                    return redo
            if question.corrects and question.free_text and turn.text in CONFIRM_WORDS | EDIT_WORDS:
                return turn.stay(NOT_YET.format(ask=self.ask(turn, question.step).text))   # never stored as a name
            if question.optional and turn.incoming.has_text and turn.text in SKIP_WORDS:
                turn.data[question.step] = None
            else:
                try:
                    stayed = question.take(turn)
                except DomainError as err:        # a validation failure re-asks with what was wrong; nothing stored
                    return turn.stay(err.message)
                if stayed is not None:
                    return stayed
            return self.onward(turn, question.step)
        run.__doc__ = question.take.__doc__
        return run

    def _elsewhere(self, turn: Turn, question: Question) -> Reply:
        """A message `question` cannot take: a collecting question of its kind keeps it; `question` is asked again."""
        ask = NUMBERED.format(n=self.number(question.step), prompt=question.ask(turn.data))
        kind = turn.incoming.type
        taker = next((q for q in self.questions if q.collects and kind in q.accepts - TEXT), None)
        if taker is None:
            return turn.stay(NEED_TEXT.format(ask=ask))
        try:
            taker.take(turn)
        except DomainError as err:
            return turn.stay(f"{err.message}\n{ask}")
        return turn.stay(COLLECTED.format(label=taker.label, ask=ask))

    def _redo_earlier(self, turn: Turn, step: str) -> Reply | None:
        """A short message naming an item answered before `step` as wrong ("地址写错了"): ask it again, then `step`."""
        if len(squeeze(turn.text)) > NAMED_MAX:
            return None
        named = self.named(turn.text, corrected=True)
        if named == step and self.question(step).corrects:     # "地址不对" at the address: this question, again
            return turn.stay(REDO_HERE.format(ask=self.ask(turn, step).text))
        if named is None or named not in self._to_ask(turn, self.order[:self.order.index(step)]):
            return None
        turn.data[RESUME] = step
        reply = self.ask(turn, named)
        reply.text = REDO.format(label=self.question(named).label, ask=reply.text)
        return reply

    def _take_ahead(self, turn: Turn, step: str) -> Reply | None:
        """A message that can only answer a later question (a phone number during the story): store it there and ask
        `step` again; that question is not asked later."""
        said = turn.text
        later = [q for q in self.questions[self.order.index(step) + 1:]
                 if q.ahead is not None and q.ahead.fullmatch(said) and q.step not in turn.data.get(AHEAD, [])]
        if not later:
            return None
        try:
            stayed = later[0].take(turn)
        except DomainError:
            return None                              # not a valid answer there either: this question's to judge
        if stayed is not None:
            return None
        taken = later[0]
        turn.data[AHEAD] = [*turn.data.get(AHEAD, []), taken.step]
        value = (taken.show or _stored(taken.step))(turn.data)
        return turn.stay(TAKEN_AHEAD.format(label=taken.label, value=value, ask=self.ask(turn, step).text))

    def named(self, text: str, *, corrected: bool) -> str | None:
        """The one question a message names ("地址写错了", "改一下电话"; at the 修改 list, "地址" alone): its step, or None
        when it names none or several, or (`corrected`) says nothing is wrong with it."""
        said = squeeze(text)
        if corrected and not WRONG.search(said):
            return None
        hits = [q.step for q in self.questions if re.search(q.names or re.escape(q.label), said)]
        return hits[0] if len(hits) == 1 else None

    def confirm(self, turn: Turn) -> Reply:
        """确认 submits; 修改 lists the questions to redo, and a message naming one that is wrong ("地址写错了") asks it
        again at once — or, with the right value in it ("电话改成139…", "金额不对 是三百"), takes that value and shows
        the summary again; anything else asks again."""
        step = self.named(turn.text, corrected=True)
        if step is not None:
            value = NEW_VALUE.search(turn.text)
            if value is not None and self._retake(turn, step, value["value"]):
                return turn.goto(CONFIRM, self.summary(turn.data))
            turn.data[EDITING] = True
            return self.ask(turn, step)
        said = squeeze(turn.text)                   # "确认。", "修改！"
        if said in EDIT_WORDS or CORRECTION.match(turn.text):
            lines = [EDIT_LINE.format(n=i, label=q.label) for i, q in enumerate(self.questions, 1)]
            return turn.goto(EDIT, EDIT_ASK.format(lines="\n".join(lines)))
        if said not in CONFIRM_WORDS and SUMMARY_OK.fullmatch(said) is None:
            return turn.stay(CONFIRM_ASK)
        return self.submit(turn)

    def _retake(self, turn: Turn, step: str, value: str) -> bool:
        """Store `value` as `step`'s answer, as if typed at its question; False (nothing stored) when it is no valid
        answer there, or the question gathers several messages."""
        question = self.question(step)
        if not question.corrects or not TEXT & question.accepts:
            return False
        said = Turn(incoming=replace(turn.incoming, text=value.strip()), now=turn.now, data=turn.data, step=step,
                    services=turn.services, asked=turn.asked)
        try:
            return question.take(said) is None
        except DomainError:
            return False

    def edit(self, turn: Turn) -> Reply:
        """Pick one question by number and ask it again; its answer returns to the summary."""
        count = len(self.questions)
        n = parse_choice(turn.text)
        step = self.named(turn.text, corrected=False) if n is None else None
        if step is not None:                        # "地址", "电话" typed instead of its number
            turn.data[EDITING] = True
            return self.ask(turn, step)
        if n is None:
            return turn.stay(EDIT_NOT_NUMBER.format(count=count))
        if not 1 <= n <= count:
            return turn.stay(BAD_EDIT.format(n=n, count=count))
        turn.data[EDITING] = True
        return self.ask(turn, self.order[n - 1])

    # --- the flow ----------------------------------------------------------------------------------------------
    def flow(self, *, name: str, title: str, start: Callable[[Turn], Reply], before: Mapping[str, Callable] = {},
             keys: frozenset[str] = frozenset(), words: frozenset[str] = frozenset(), phrases: re.Pattern | None = None,
             opens: Callable[[str], bool] | None = None, keeps: frozenset[str] = frozenset(),
             timeout: timedelta = timedelta(minutes=30)) -> Flow:
        """The engine's Flow for this form; `before` holds steps ahead of question 1 (a consent notice)."""
        return Flow(name=name, title=title, start=start, steps={**before, **self.steps()}, keys=keys, words=words,
                    phrases=phrases, opens=opens, keeps=keeps, timeout=timeout, free_text=self.free_text_steps(),
                    progress=self.progress, claims=self.claims)

    def claims(self, step: str, text: str) -> bool:
        """The summary and the 修改 list take a message naming one of the questions ("地址写错了", "电话") as theirs."""
        return step in {CONFIRM, EDIT} and self.named(text, corrected=step == CONFIRM) is not None


def _acknowledges(text: str) -> bool:
    """An "ok", a thanks or only emoji and punctuation: no answer to any question."""
    said = squeeze(text)
    return ACKNOWLEDGED.fullmatch(said) is not None or not any(c.isalnum() for c in said)


def guarded(step: Callable[[Turn], Reply]) -> Callable[[Turn], Reply]:
    """A step outside the table (a follow-up question): a validation failure re-asks with what was wrong."""
    def run(turn: Turn) -> Reply:
        try:
            return step(turn)
        except DomainError as err:
            return turn.stay(err.message)
    run.__doc__ = step.__doc__
    return run


def _stored(step: str) -> Callable[[dict], str]:
    return lambda data: str(data.get(step) or NONE_LABEL)
