"""Declared multi-turn conversations (in the manner of python-telegram-bot's ConversationHandler).

A `Flow` is a value: entry points (menu keys, keywords), named steps, cancel words and a timeout. A step is one small
function `step(turn) -> Reply | str` that reads `turn.incoming`, stores what it needs in `turn.data`, and says what
happens next with `turn.goto(step, text)`, `turn.stay(text)` (re-ask) or `turn.end(text)`. Linear forms are declared
as tables (`bot.form`), which also tell the engine where a form stands ("第2步（商家地址）").

Interruptions — the rule, the same for every flow (`advance`, in this order):
1. 取消 (the flow's cancel words) ends the flow; nothing of it is kept. 继续 repeats the question being asked.
   In a form, 重新开始 (or "重新填", "从头来") starts it afresh from its first message; nothing typed before is kept
   (what was filled in before the form began, a QR scene's business, is, and what the flow `keeps`: consent given).
2. A menu tap, or the keyword of another flow (投票 in the middle of a complaint), parks the draft: it is kept with
   its own timeout, the reply starts with one line saying so, and the other feature answers. The keyword or menu
   of the flow itself (投诉 again) offers the draft back: 继续 resumes at the same step, 重新开始 starts afresh.
   继续 with no form active resumes the draft parked last (and says so when there is none). Changing one's mind in
   words ("我不投诉了 我要举报", "算了 还是投诉吧") is the other form's keyword too.
3. Any other exact command word (查询, 人工, 帮助, 警示, …; every `Command` in `handlers.FEATURES`) is answered
   and the form stays where it was; the reply ends with where it stands and how to go on ("您的投诉已填到第2步
   （商家地址），回复“继续”接着填写，回复“取消”放弃"). A numbered list in that reply (the help) answers the next
   number only at a free-text step; where the step reads numbers itself (诉求, a poll question), the step does.
4. A clear consumer question is answered the same way and nothing is stored. "Clear" is decided by
   `handlers.interruptions`: short, phrased as a question (吗/怎么/能不能/多少/？…) and confidently answered by the
   knowledge base. Data has none of that: "好又多超市" and "城关镇人民路88号" are stored as typed.
5. At a free-text step, a message phrased as a question that the knowledge base cannot answer confidently is asked
   about once ("这是商家地址吗？回复“是”保存"); whatever comes next is taken as given.
6. Anything else is the step's answer. Only text is ever interrupted: photos, locations and events go to the step.
Flow input never reaches the Q&A's unanswered-question queue — nor does a form's own word (取消, 确认, 修改, 重新开始,
完成, 跳过, 同意 …) typed when no form is active (a form that just expired or was filed): it is told there is
nothing to apply it to (`stray`), after every feature's own entry points had their turn.

State — one JSON value per follower (`State`: the active flow, its step and data, the last question asked, and the
parked drafts) lives in Redis under `keys.conversation(openid)` and, written in the same request, in the database
(`services.drafts`), so a Redis restart loses nothing: when Redis has no state and the follower's freshness marker
is gone too, `current` reads the database copy back. A state that can no longer be followed (its flow or step was
renamed by a deploy) is dropped with "登记已中断". Callers hold the follower lock (see `bot.router`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import logs
from bot import drafts
# The declared values live in bot.flow_types; features import them from here, with the rules that run them.
from bot.flow_types import (CANCEL_WORDS, PREFILLED, SWITCHING, Aside, Command, Flow, Progress, Step,  # noqa: F401
                            Turn, squeeze)
from bot.messages import Incoming, Reply

log = logs.get(__name__)

CONTINUE_WORDS = frozenset({"继续", "接着填", "继续填写"})
RESTART_WORDS = frozenset({"重新开始", "重新填写", "重来", "新建", "重新填", "重填", "从头开始", "从头来", "重新来"})
YES_WORDS = frozenset({"是", "是的", "对", "保存", "嗯"})
# Words that answer a form's own questions; another feature listing one (同意 for 转为投诉) never takes it mid-form.
ANSWER_WORDS = frozenset({"同意", "确认", "确定", "提交", "修改", "完成", "跳过", "无", "没有", "匿名", "好", "好的"}) | YES_WORDS
CANCELLED = "已取消，本次填写的内容没有保存。需要时再点菜单或发关键词即可。"
RESTARTED = "好的，刚才填写的内容已清空，从头开始。"
EXPIRED = "您上次的「{title}」超过{minutes}分钟没有继续，已自动结束，内容没有保存。"
WHERE = "{at}，回复“继续”接着填写，回复“取消”放弃。"
PARKED = "{at}，已为您暂存，之后发“{word}”可以接着填。"
OFFER = "您有一份未提交的{what}，回复“继续”接着填，回复“重新开始”新建。"
IS_IT = "这是{label}吗？回复“是”保存；不是的话，请直接重新回答。"
NOT_HEARD = "抱歉，这条语音没听清。请再说一遍，或者直接打字。"
BROKEN = "登记已中断，请重新发“{word}”。"
# A form's own words: with no form active they are answered by `stray`, not by the Q&A. 是/好/无 are left out: as
# chat they are small talk, which the Q&A answers.
FORM_WORDS = CANCEL_WORDS | RESTART_WORDS | frozenset({"确认", "确定", "提交", "确认提交", "修改", "完成", "跳过",
                                                       "同意", "匿名", "确认撤回", "上一步", "返回上一步", "下一步"})
NOTHING_OPEN = "您现在没有正在填写的内容，“{word}”没有可以操作的。需要投诉请发“投诉”，举报请发“举报”，有问题直接发给我就行。"
NOTHING_TO_CONTINUE = "您目前没有未填完的登记。需要投诉请发“投诉”，举报请发“举报”，有问题直接发给我就行。"

State = drafts.State
parse, expired, clear, current = drafts.parse, drafts.expired, drafts.clear, drafts.current


def load(openid: str) -> State | None:
    return drafts.load(openid)


def expired_notice(flow: Flow) -> str:
    return EXPIRED.format(title=flow.title, minutes=int(flow.timeout.total_seconds() // 60))


def _save(openid: str, flow: Flow, turn: Turn, record: State) -> None:
    """Write the turn's outcome: the flow's new step (or its end), keeping the parked drafts."""
    if turn.step is not None and turn.step not in flow.steps:
        raise KeyError(f"flow {flow.name} has no step {turn.step}")
    record.set_active(flow.name if turn.step else None, turn.step, turn.data, turn.asked,
                      turn.now.timestamp() + flow.timeout.total_seconds())
    drafts.store(openid, record, now=turn.now)


def save(openid: str, flow: Flow, turn: Turn) -> None:
    """Write `turn` as the follower's active state in `flow`, keeping any parked drafts."""
    _save(openid, flow, turn, drafts.record(openid, now=turn.now))


def begin(flow: Flow, incoming: Incoming, *, now: datetime, services: Any = None, prefill: dict | None = None
          ) -> Reply:
    """Enter `flow` from its start (its data seeded with `prefill`) — or, when a draft of it is parked, offer it
    back (继续 / 重新开始)."""
    record = drafts.record(incoming.openid, now=now)
    parked = record.parked.get(flow.name)
    if parked is not None and parked["expires_at"] > now.timestamp():
        record.unpark(flow.name)
        record.offered = True
        drafts.store(incoming.openid, record, now=now)
        return Reply(text=OFFER.format(what=flow.where(record.step, record.data).what()))
    record.parked.pop(flow.name, None)
    return _start(flow, incoming, record, now=now, services=services, prefill=prefill)


def _start(flow: Flow, incoming: Incoming, record: State, *, now: datetime, services: Any,
           prefill: dict | None = None) -> Reply:
    turn = Turn(incoming=incoming, now=now, services=services, data=dict(prefill or {}))
    reply = Reply.of(flow.start(turn))
    _save(incoming.openid, flow, turn, record)
    return reply


def resume_parked(incoming: Incoming, flows: Mapping[str, Flow], *, now: datetime) -> Reply | None:
    """继续 with no form active: the draft parked last comes back at its step (its question asked again), or the
    follower is told there is nothing to continue (never the Q&A's unanswered queue); None when the text is not
    继续."""
    if incoming.is_event or incoming.text.strip() not in CONTINUE_WORDS:
        return None
    record = drafts.record(incoming.openid, now=now)
    alive = [name for name, d in record.parked.items() if name in flows and d["expires_at"] > now.timestamp()]
    if not alive:
        return Reply(text=NOTHING_TO_CONTINUE)
    name = max(alive, key=lambda n: record.parked[n]["expires_at"])     # the latest touched has the latest expiry
    record.unpark(name)
    drafts.store(incoming.openid, record, now=now)
    return Reply(text=record.asked or WHERE.format(at=flows[name].where(record.step, record.data).at()))


def enter_after(turn: Turn, reply: Reply, flows: Mapping[str, Flow]) -> Reply:
    """A command asked to go on into a flow (`Turn.start`): park the active form, begin that flow, and send the
    command's reply, the parked line and the flow's first message together."""
    if turn.starts is None or turn.starts[0] not in flows:
        return reply
    name, data = turn.starts
    line = park(turn.incoming, flows, now=turn.now)
    started = begin(flows[name], turn.incoming, now=turn.now, services=turn.services, prefill=data)
    return Reply(text="\n\n".join(t for t in (reply.text, line, started.text) if t))


def stray(incoming: Incoming) -> Reply | None:
    """A form's own word with no form active: say there is nothing to apply it to; None for any other message."""
    text = incoming.text.strip() if incoming.type in {"text", "voice"} else ""
    return Reply(text=NOTHING_OPEN.format(word=text)) if text in FORM_WORDS else None


def park(incoming: Incoming, flows: Mapping[str, Flow], *, now: datetime) -> str:
    """Set the active draft aside (a menu tap or another flow's keyword); returns the line that tells the consumer
    so — empty when nothing was active, or when the tap re-enters the same flow (its offer says it all)."""
    record = drafts.record(incoming.openid, now=now)
    flow = flows.get(record.flow or "")
    if flow is None or record.step is None:
        return ""
    if not flow.forgiving:                        # not a draft: the flow simply ends, as a tap always did
        drafts.clear(incoming.openid, now=now)
        return ""
    at = flow.where(record.step, record.data).at()
    record.park()
    drafts.store(incoming.openid, record, now=now)
    return "" if flow.enters_on(incoming) else PARKED.format(at=at, word=flow.word)


def advance(flow: Flow, state: State, incoming: Incoming, *, now: datetime, services: Any = None,
            features: Sequence[Any] = (), aside: Callable[[Turn], Aside] | None = None) -> Reply:
    """Run the current step of an active flow, after the interruption rules of the module docstring."""
    openid = incoming.openid
    if state.step not in flow.steps:
        drafts.clear(openid, now=now)
        return Reply(text=BROKEN.format(word=flow.word))
    if flow.forgiving and incoming.type == "voice" and not incoming.has_text:
        return Reply(text=NOT_HEARD)                          # WeChat could not recognise it: nothing to store
    text = incoming.text.strip() if incoming.type in {"text", "voice"} else ""
    switched = _switched(flow, text, features) if flow.progress is not None else None
    if switched is not None:        # "我不投诉了 我要举报": the other form, this one parked (or, the same, asked on)
        other, said = switched
        if other.name == flow.name:
            return Reply(text=state.asked or WHERE.format(at=flow.where(state.step, state.data).at()))
        flows = {e.name: e for f in features for e in f.ENTRIES if isinstance(e, Flow)}
        line = park(incoming, flows, now=now)
        return _prefixed(line, begin(other, replace(incoming, text=said), now=now, services=services))
    if flow.gives_up(text):
        drafts.clear(openid, now=now)
        return Reply(text=CANCELLED)
    texty = bool(text) and flow.forgiving                     # the interruption rules look at typed text only
    where = flow.where(state.step, state.data)
    if state.offered:
        state.offered = False
        if text in RESTART_WORDS:
            return _start(flow, incoming, state, now=now, services=services)
        drafts.store(openid, state, now=now)
        if text in CONTINUE_WORDS:
            return Reply(text=state.asked or WHERE.format(at=where.at()))
    elif texty and text in CONTINUE_WORDS and state.asked:
        return Reply(text=state.asked)
    elif texty and flow.progress is not None and squeeze(text) in RESTART_WORDS:    # mid-form: never an answer
        given = state.data.get(PREFILLED, [])       # what was filled in before the form began is not the consumer's
        prefill = {**{step: state.data[step] for step in given if step in state.data}, PREFILLED: given}
        kept = {key: state.data[key] for key in flow.keeps if key in state.data}     # consent given stays given
        return _prefixed(RESTARTED, _start(flow, incoming, state, now=now, services=services,
                                           prefill={**prefill, **kept} if given or kept else None))
    if texty:
        interrupted = _interrupt(flow, state, incoming, where, now=now, services=services, features=features,
                                 aside=aside)
        if interrupted is not None:
            return interrupted
    if state.pending is not None and text in YES_WORDS:
        incoming = replace(incoming, text=state.pending)
    state.pending = None
    turn = Turn(incoming=incoming, now=now, data=dict(state.data), step=state.step, services=services,
                asked=state.asked)
    reply = Reply.of(flow.steps[state.step](turn))
    _save(openid, flow, turn, state)
    return reply


def _switched(flow: Flow, text: str, features: Sequence[Any]) -> tuple[Flow, str] | None:
    """A whole message that gives up this form, or takes it back, for another form's own words ("算了 还是举报吧"): that
    form and its words; None for anything else (the other form's words alone are rule 2's)."""
    squeezed = squeeze(text)
    lead = SWITCHING.match(squeezed)
    if not lead or lead.end() == len(squeezed):
        return None
    said = squeezed[lead.end():].removesuffix("吧")
    for feature in features:
        for entry in feature.ENTRIES:
            if isinstance(entry, Flow) and entry.progress is not None and (
                    said in entry.words or entry.phrases is not None and entry.phrases.fullmatch(said)):
                return entry, said
    return None


def _interrupt(flow: Flow, state: State, incoming: Incoming, where: Progress, *, now: datetime, services: Any,
               features: Sequence[Any], aside: Callable[[Turn], Aside] | None) -> Reply | None:
    """Rules 2–5: another feature's word, a clear question, or a question-like answer to confirm; None: data."""
    text = incoming.text.strip()
    if flow.claims is not None and flow.claims(state.step, text):
        return None                                 # "电话" at the 修改 list is the item, not the contact card
    entry = None if text in ANSWER_WORDS else _entry(features, incoming)
    if isinstance(entry, Flow):
        if entry.name == flow.name:
            state.offered = True
            drafts.store(incoming.openid, state, now=now)
            return Reply(text=OFFER.format(what=where.what()))
        flows = {e.name: e for f in features for e in f.ENTRIES if isinstance(e, Flow)}
        line = park(incoming, flows, now=now)
        return _prefixed(line, begin(entry, incoming, now=now, services=services))
    turn = Turn(incoming=incoming, now=now, services=services, reads_numbers=state.step not in flow.free_text)
    if isinstance(entry, Command):
        reply = Reply.of(entry.run(turn))
        if turn.reads_numbers:                    # the step's own numbers win (`bot.choices`)
            reply.choices = []
        return _suffixed(reply, WHERE.format(at=where.at()))
    if aside is None or state.pending is not None:
        return None
    seen = aside(turn)
    if seen.answer is not None:
        return _suffixed(Reply.of(seen.answer), WHERE.format(at=where.at()))
    if seen.unsure and state.step in flow.free_text:
        state.pending = incoming.text.strip()
        drafts.store(incoming.openid, state, now=now)
        return Reply(text=IS_IT.format(label=where.item or where.label or "您要填写的内容"))
    return None


def _entry(features: Sequence[Any], incoming: Incoming) -> Flow | Command | None:
    for feature in features:
        for entry in feature.ENTRIES:
            if isinstance(entry, Flow) and entry.enters_on(incoming):
                return entry
            if isinstance(entry, Command) and not entry.types and entry.matches(incoming):
                return entry
    return None


def _prefixed(line: str, reply: Reply) -> Reply:
    if line and not reply.silent and not reply.transfer:
        reply.text = f"{line}\n\n{reply.text}".strip()
    return reply


def _suffixed(reply: Reply, line: str) -> Reply:
    if reply.transfer:                 # handed to a person: the form waits, 继续 resumes it later
        return reply
    if reply.silent:
        return Reply(text=line)
    if reply.followups:
        reply.followups = [*reply.followups, line]
    else:
        reply.text = f"{reply.text}\n\n{line}"
    return reply
