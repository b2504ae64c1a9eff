"""Declared multi-turn conversations (in the manner of python-telegram-bot's ConversationHandler).

A `Flow` is a value: entry points (menu keys, keywords), named steps, cancel words and a timeout. A step is one small
function `step(turn) -> Reply | str` that reads `turn.incoming`, stores what it needs in `turn.data`, and says what
happens next with `turn.goto(step, text)`, `turn.stay(text)` (re-ask) or `turn.end(text)`.

State lives in Redis under `keys.conversation(openid)` as JSON, kept for the timeout plus a day so that the first
message after the timeout can be told the flow expired. Callers hold the follower lock (see `bot.router`).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.messages import Incoming, Reply
from extensions import redis
from services import keys

CANCEL_WORDS = frozenset({"取消", "退出", "不办了"})
CANCELLED = "已取消，本次填写的内容没有保存。需要时再点菜单或发关键词即可。"
EXPIRED = "您上次的「{title}」超过{minutes}分钟没有继续，已自动结束，内容没有保存。"

Step = Callable[["Turn"], "Reply | str"]


@dataclass(frozen=True)
class Flow:
    name: str
    title: str                                    # shown to the user, e.g. "投诉登记"
    start: Step                                   # runs on entry; must goto() the first step
    steps: Mapping[str, Step]
    keys: frozenset[str] = frozenset()            # menu CLICK keys that enter (or re-enter) the flow
    words: frozenset[str] = frozenset()           # exact keywords that enter it
    timeout: timedelta = timedelta(minutes=30)
    cancel_words: frozenset[str] = CANCEL_WORDS

    def enters_on(self, incoming: Incoming) -> bool:
        if incoming.is_event:
            return incoming.event == "click" and incoming.key in self.keys
        return incoming.text.strip() in self.words


@dataclass
class Turn:
    """What a step (or a command) sees: the message, the time, the flow's stored data, and a way onward."""

    incoming: Incoming
    now: datetime
    data: dict[str, Any] = field(default_factory=dict)
    step: str | None = None
    services: Any = None                          # the app's outbound handles (sender), for steps that need them

    @property
    def text(self) -> str:
        return self.incoming.text.strip()

    def goto(self, step: str, reply: Reply | str) -> Reply:
        self.step = step
        return Reply.of(reply)

    def stay(self, reply: Reply | str) -> Reply:
        return Reply.of(reply)

    def end(self, reply: Reply | str | None) -> Reply:
        self.step = None
        return Reply.of(reply)


@dataclass
class State:
    flow: str
    step: str
    data: dict[str, Any]
    expires_at: float                             # epoch seconds


def load(openid: str) -> State | None:
    return parse(redis.get(keys.conversation(openid)))


def parse(raw: str | None) -> State | None:
    """The stored state (as `bot.inbox.claim` read it along with the lock), or None."""
    if not raw:
        return None
    return State(**json.loads(raw))


def save(openid: str, flow: Flow, turn: Turn) -> None:
    if turn.step is None:
        clear(openid)
        return
    if turn.step not in flow.steps:
        raise KeyError(f"flow {flow.name} has no step {turn.step}")
    expires = turn.now.timestamp() + flow.timeout.total_seconds()
    state = State(flow=flow.name, step=turn.step, data=turn.data, expires_at=expires)
    redis.set(keys.conversation(openid), json.dumps(state.__dict__, ensure_ascii=False, default=str),
              ex=int(flow.timeout.total_seconds()) + keys.CONVERSATION_GRACE)


def clear(openid: str) -> None:
    redis.delete(keys.conversation(openid))


def begin(flow: Flow, incoming: Incoming, *, now: datetime, services: Any = None) -> Reply:
    """Enter `flow` from its start, discarding any state (a menu tap re-enters)."""
    turn = Turn(incoming=incoming, now=now, services=services)
    reply = Reply.of(flow.start(turn))
    save(incoming.openid, flow, turn)
    return reply


def advance(flow: Flow, state: State, incoming: Incoming, *, now: datetime, services: Any = None) -> Reply:
    """Run the current step of an active flow: cancel words first, then the timeout, then the step."""
    if incoming.has_text and incoming.text.strip() in flow.cancel_words:
        clear(incoming.openid)
        return Reply(text=CANCELLED)
    turn = Turn(incoming=incoming, now=now, data=dict(state.data), step=state.step, services=services)
    reply = Reply.of(flow.steps[state.step](turn))
    save(incoming.openid, flow, turn)
    return reply


def expired(state: State, now: datetime) -> bool:
    return now.timestamp() > state.expires_at


def expired_notice(flow: Flow) -> str:
    return EXPIRED.format(title=flow.title, minutes=int(flow.timeout.total_seconds() // 60))


@dataclass(frozen=True)
class Command:
    """A one-shot entry point: a menu key, a keyword, a keyword prefix (`查询 TS…`), an event or a message type."""

    run: Callable[[Turn], "Reply | str | None"]
    keys: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    events: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()

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
        return text in self.words or any(text.startswith(p) for p in self.prefixes)
