"""Numbered lists answered by number, outside the forms: the help (`？`), a follower's list of cases.

A reply that shows a numbered list carries the word each number stands for (`Reply.choices`). The list is kept for
the follower's next message only (`keys.menu`, written when the reply is stored and taken when the next message
claims the lock, `bot.inbox`). If that message is one number (`2`, `②`, `第二个`), it is read as the word it stands
for and routed exactly as if typed — so 2 after the help starts a complaint, or offers a parked one back, by the
flow engine's usual rules. A number out of range is asked again with the list kept. Anything else forgets the list
and is routed as usual. Forms are not affected: their steps read their own numbers (`bot.numbers`) and show no list
through here.
"""
from __future__ import annotations

import json
from dataclasses import replace

from bot.messages import Incoming, Reply
from bot.numbers import parse_choice

OUT_OF_RANGE = "请回复 1 到 {n} 之间的数字；也可以直接发文字告诉我您要办的事。"


def encode(reply: Reply) -> str:
    """What `bot.inbox.release` keeps for the next message: the list as JSON, or "" for none."""
    return json.dumps(reply.choices, ensure_ascii=False) if reply.choices and not reply.silent else ""


def resolve(incoming: Incoming, menu: str | None) -> tuple[Incoming, Reply | None]:
    """The message as the word its number stands for, or a re-ask for a number out of range (with the list kept);
    any other message is returned unchanged."""
    if not menu or incoming.type not in {"text", "voice"}:
        return incoming, None
    number = parse_choice(incoming.text)
    if number is None:
        return incoming, None
    try:
        words = [str(w) for w in json.loads(menu)]
    except (TypeError, ValueError):
        return incoming, None
    if not 1 <= number <= len(words):
        return incoming, Reply(text=OUT_OF_RANGE.format(n=len(words)), choices=words)
    return replace(incoming, text=words[number - 1]), None
