"""A small feature used only by the tests of the flow engine and the webhook: a two-step sign-up flow, a counter
command (to count effects) and a command that fails (to check the last-resort apology)."""
from __future__ import annotations

from datetime import timedelta

from bot.conversation import Command, Flow, Turn
from extensions import redis

ASK_NAME = "请问怎么称呼您？"
ASK_AGE = "请问您的年龄？（填数字）"
BAD_AGE = "年龄要填数字，比如 35。请再发一次："
DONE = "报名成功：{name}，{age}岁。"


def start(turn: Turn):
    """Ask the name."""
    return turn.goto("take_name", ASK_NAME)


def take_name(turn: Turn):
    """Store the name and ask the age."""
    turn.data["name"] = turn.text
    return turn.goto("take_age", ASK_AGE)


def take_age(turn: Turn):
    """Store the age (digits only, else re-ask) and finish."""
    if not turn.text.isdigit():
        return turn.stay(BAD_AGE)
    return turn.end(DONE.format(name=turn.data["name"], age=turn.text))


def count(turn: Turn):
    """Count how many times this ran (an effect that must happen once per message)."""
    n = redis.incr("test:effects")
    return f"第{n}次"


def boom(turn: Turn):
    raise RuntimeError("handler bug")


def long_answer(turn: Turn):
    return "这是一句很长的话，用来测试分段。" * 200


def echo(turn: Turn):
    return "你说：" + turn.text[3:]


SIGNUP = Flow(name="signup", title="活动报名", start=start, steps={"take_name": take_name, "take_age": take_age},
              words=frozenset({"报名"}), timeout=timedelta(minutes=30))   # no menu key: every key is a MenuKey

ENTRIES = [
    SIGNUP,
    Command(count, words=frozenset({"计数"})),
    Command(boom, words=frozenset({"出错"})),
    Command(long_answer, words=frozenset({"长文"})),
    Command(echo, prefixes=("复读 ",)),
]
