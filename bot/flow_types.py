"""The declared values of a conversation (python-telegram-bot's ConversationHandler, made data): a `Flow` (entry
points, named steps, cancel words, a timeout), a one-shot `Command`, the `Turn` a step or command sees, where a flow
stands (`Progress`) and what the interruption rules make of a message (`Aside`). `bot.conversation` runs them and
re-exports them; features import them from there.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.messages import Incoming, Reply
from services.faq_route import squeeze      # spaces and punctuation removed: "算了 不投了！" → "算了不投了"

CANCEL_WORDS = frozenset({"取消", "退出", "不办了"})
# Giving up a form the way people type it in a hurry ("算了 不投了", "不想填了", "不举报了"): the whole message, spaces
# and punctuation aside; only in a form that has cancel words (the 人工 hand-over has none).
GIVING_UP = re.compile(r"(算了|不用了|那就算了)?(我|俺)?(先)?(不想?|不要|不用|不打算)(再)?(投诉|投|举报|填|填写|登记|办|弄|报|写|参加|投票|搞)了?"
                       r"(吧|啊|呀|哈)?|算了(吧|算了)?|算球|拉倒(吧|了)?|(太|真)(麻烦|费劲|啰嗦)了?(不弄了|不填了|算了)?")

# Changing one's mind to another form ("我不投诉了 我要举报", "算了 还是投诉吧", "改成举报"): what comes before the
# other form's own words, squeezed
SWITCHING = re.compile(r"((算了|不用了|那就算了)?(我|俺)?(先)?(不想?|不要|不用|不打算)(再)?(投诉|投|举报|填|填写|登记)了?|"
                       r"算了|不对|错了|还是|改成|换成|改为|那就|那|我还是|俺还是)+")

PHRASE_MAX = 30             # a command's phrases are looked for in short messages only, never in a long story

# In a form's data: the steps answered before it began (a QR scene's business, staff's 转为投诉), never asked
PREFILLED = "_prefilled"

Step = Callable[["Turn"], "Reply | str"]


@dataclass(frozen=True)
class Progress:
    """Where a flow stands, for the lines above: 投诉 · 第2步 · 商家地址 (number and label may be unknown)."""

    noun: str
    number: int | None = None
    label: str | None = None
    item: str | None = None                   # what the step takes, when the label is not it ("您的其他建议")

    def at(self) -> str:                      # 您的投诉已填到第2步（商家地址）
        if self.number is None:
            return f"您的{self.noun}还没有提交" if self.label is None else f"您的{self.noun}{self.label}"
        return f"您的{self.noun}已填到第{self.number}步（{self.label}）"

    def what(self) -> str:                    # 投诉（已填到第3步）
        return f"{self.noun}（已填到第{self.number}步）" if self.number else self.noun


@dataclass(frozen=True)
class Flow:
    name: str
    title: str                                    # shown to the user, e.g. "投诉登记"
    start: Step                                   # runs on entry; must goto() the first step
    steps: Mapping[str, Step]
    keys: frozenset[str] = frozenset()            # menu CLICK keys that enter (or re-enter) the flow
    words: frozenset[str] = frozenset()           # exact keywords that enter it
    timeout: timedelta = timedelta(minutes=30)
    prefixes: tuple[str, ...] = ()                # keyword prefixes that enter it (撤回 TS…)
    cancel_words: frozenset[str] = CANCEL_WORDS
    free_text: frozenset[str] = frozenset()       # steps that take typed text (rule 5 asks about questions there)
    progress: Callable[[str, dict], Progress | None] | None = None    # where a step stands (forms declare it)
    forgiving: bool = True                        # the interruption rules apply; False: the steps see everything
                                                  # and a menu tap ends the flow (the 人工 hand-over)
    phrases: re.Pattern | None = None             # whole messages (spaces and punctuation aside) that enter it too
    claims: Callable[[str, str], bool] | None = None    # (step, text): the step takes this text as its answer, before
    #                                                     any other feature's word ("电话" at a form's 修改 list)
    opens: Callable[[str], bool] | None = None    # a longer message that enters it too ("投诉 东街超市卖过期面包")
    keeps: frozenset[str] = frozenset()           # data kept when it starts afresh mid-form (重新填): consent given

    def enters_on(self, incoming: Incoming) -> bool:
        if incoming.is_event:
            return incoming.event == "click" and incoming.key in self.keys
        text = incoming.text.strip()
        return bool(text) and (text in self.words or any(text.startswith(p) for p in self.prefixes)
                               or self.phrases is not None and self.phrases.fullmatch(squeeze(text)) is not None
                               or self.opens is not None and self.opens(text))

    def gives_up(self, text: str) -> bool:
        """`text` ends this flow: a cancel word, or, in a form (a flow that declares `progress`), a whole message that
        says the consumer gives up. Elsewhere a step reads "算了" itself (撤回's confirmation: the case is kept)."""
        return bool(text) and bool(self.cancel_words) and (
            squeeze(text) in self.cancel_words or self.progress is not None and GIVING_UP.fullmatch(squeeze(text)) is not None)

    @property
    def word(self) -> str:
        """The keyword to tell a consumer ("发“投诉”")."""
        return min(self.words, key=len) if self.words else self.title

    def where(self, step: str, data: dict) -> Progress:
        found = self.progress(step, data) if self.progress else None
        return found or Progress(noun=f"「{self.title}」")


@dataclass
class Turn:
    """What a step (or a command) sees: the message, the time, the flow's stored data, and a way onward."""

    incoming: Incoming
    now: datetime
    data: dict[str, Any] = field(default_factory=dict)
    step: str | None = None
    services: Any = None                          # the app's outbound handles (sender), for steps that need them
    asked: str | None = None                      # the last question put to the follower (继续 repeats it)
    starts: tuple[str, dict] | None = None        # a command's follow-on: enter this flow with this data
    reads_numbers: bool = False                   # a command run mid-form whose waiting step reads numbers itself:
                                                  # a numbered list it shows must not take the next number

    @property
    def text(self) -> str:
        return self.incoming.text.strip()

    def goto(self, step: str, reply: Reply | str) -> Reply:
        self.step = step
        self.asked = reply.text if isinstance(reply, Reply) else reply
        return Reply.of(reply)

    def stay(self, reply: Reply | str) -> Reply:
        return Reply.of(reply)

    def end(self, reply: Reply | str | None) -> Reply:
        self.step = None
        return Reply.of(reply)

    def start(self, flow: str, data: dict | None = None) -> None:
        """From a command: after its reply, enter `flow` (by name) with `data` already filled (a QR scene's
        business). Whatever form was active is parked first, as for a menu tap (`enter_after`)."""
        self.starts = (flow, dict(data or {}))


@dataclass(frozen=True)
class Aside:
    """What `handlers.interruptions` makes of a message in the middle of a flow (rules 4 and 5)."""

    answer: Reply | str | None = None            # a clear question, answered
    unsure: bool = False                          # phrased as a question, but no confident answer


@dataclass(frozen=True)
class Command:
    """A one-shot entry point: a menu key, a keyword, a keyword prefix (`查询 TS…`), an event or a message type."""

    run: Callable[[Turn], "Reply | str | None"]
    keys: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    events: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    accepts: Callable[[str], bool] | None = None   # a prefixed text is the command only when this says so
    phrases: re.Pattern | None = None              # a short message (spaces and punctuation aside) it is found in

    def matches(self, incoming: Incoming) -> bool:
        if incoming.is_event:
            if incoming.event == "click":
                return incoming.key in self.keys
            return incoming.event in self.events
        if incoming.type in self.types:
            return True
        text = incoming.text.strip()
        if not text:
            return False
        if text in self.words:
            return True
        if self.phrases is not None and len(text) <= PHRASE_MAX and self.phrases.search(squeeze(text)):
            return True
        return any(text.startswith(p) for p in self.prefixes) and (self.accepts is None or self.accepts(text))
