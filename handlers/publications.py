"""消费警示 and 典型案例 in chat: the latest few, a keyword search, 退订 / 订阅 per kind, and WeChat's
MASSSENDJOBFINISH / TEMPLATESENDJOBFINISH reports (answered silently)."""
from __future__ import annotations

import re

from bot.conversation import Command, Turn, squeeze
from bot.messages import ARTICLES_FOR_EVENTS, ARTICLES_FOR_MESSAGES, Article, Reply
from handlers.menu_keys import MenuKey
from models.publication import Kind
from services import audience, delivery_reports, publication_views

NONE_YET = "暂时还没有发布{kind}。您可以发“订阅 {word}”，有新的{kind}时第一时间收到。"
NOT_FOUND = "没有找到含“{words}”的{kind}。换个关键词试试，或发“{word}”看最新的。"
MORE = "发“{word} 关键词”查找往期，如“{word} 预付卡”。"
UNSUBSCRIBED = "已退订：{kinds}。以后不再向您推送这些内容；想恢复时发“订阅 {word}”。"
SUBSCRIBED = "已订阅：{kinds}。有新内容时会推送给您；不想收时发“退订 {word}”。"
ALREADY = "您的设置没有变化：{kinds}已经是{state}状态。"
CHOOSE = ("您想退订或订阅哪类推送？请回复：\n"
          "退订 警示 / 退订 提示 / 退订 案例 / 退订 抽检 / 退订 全部\n"
          "（订阅同理，如“订阅 警示”）\n当前：{current}")
STATE = {True: "订阅", False: "退订"}

LIST_SIZE = 3
ALL_WORDS = frozenset({"全部", "所有"})
KIND_TYPO_CHARS = 4        # `退订 警告`: a short unknown word after the space is a kind mistyped, answered with the list
SEPARATORS = "：:，,、"
# The words the toggles start with, longest first: "取消订阅 警示" is 退订 as people also say it
LEADS = ("取消订阅", "取消推送", "退订", "订阅", "TD", "td")
# Not wanting the pushes, in one's own words, as the whole message ("不要再给我发了", "别推送了"): the 退订 choices.
# Anchored: "商家别给我发短信了" is a question about a shop's texts.
STOP_SENDING = re.compile(r"^(你们)?(不要|别|不用|甭)(再)?(给我|给俺)?(发|推|推送|发消息|推消息)(了|啦)?(行吗|好吗|可以吗)?$|"
                          r"^(我|俺)?不想(再)?(收到|接收|看|收)(你们的)?(推送|消息|这些|文章)(了)?$")


# A search typed the other way round, the kind last ("预付卡警示", "美容的案例"): the whole message
SUFFIXED = re.compile(r"^(?!.*(什么|啥|哪|吗|有没有|最新|最近|看|查|要|想|怎么|发|给|推|订阅|退订))"
                      r"(?P<words>[^\s]{1,12}?)的?(?P<kind>警示|消费警示|案例|典型案例|提示|消费提示)$")


def search_suffixed(turn: Turn) -> Reply | str:
    """`预付卡警示` / `装修案例`: as `警示 预付卡`."""
    found = SUFFIXED.match(squeeze(turn.text))
    return _search(turn, audience.kind_of(found["kind"].removeprefix("消费").removeprefix("典型")), [found["words"]])


def _articles(turn: Turn, kind: Kind, items) -> Reply:
    """One article per reply to a user message, up to 8 for an event (passive-reply doc)."""
    limit = ARTICLES_FOR_EVENTS if turn.incoming.is_event else ARTICLES_FOR_MESSAGES
    articles = [Article(title=p.title, description=p.summary or "", url=p.link or "", image=p.cover or "")
                for p in items[:limit]]
    if len(articles) == 1 and not turn.incoming.is_event:
        articles[0].description = f"{articles[0].description}\n{MORE.format(word=kind.word)}".strip()
    return Reply(articles=articles)


def _latest(turn: Turn, kind: Kind) -> Reply | str:
    items = publication_views.latest(kind=kind, limit=LIST_SIZE)
    if not items:
        return NONE_YET.format(kind=kind.label, word=kind.word)
    return _articles(turn, kind, items)


def _search(turn: Turn, kind: Kind, words: list[str]) -> Reply | str:
    if not words:
        return _latest(turn, kind)
    items = publication_views.search(kind=kind, words=words, limit=LIST_SIZE)
    if not items:
        return NOT_FOUND.format(words=" ".join(words)[:20], kind=kind.label, word=kind.word)
    return _articles(turn, kind, items)


def warnings(turn: Turn) -> Reply | str:
    """The latest 消费警示 (menu 最新警示 or the word 警示)."""
    return _latest(turn, Kind.WARNING)


def cases(turn: Turn) -> Reply | str:
    """The latest 典型案例."""
    return _latest(turn, Kind.CASE)


def search(turn: Turn) -> Reply | str:
    """`警示 预付卡` / `案例 装修`: the published ones containing every word."""
    head, *words = turn.text.split()
    return _search(turn, audience.kind_of(head), words)


def _toggle(turn: Turn, subscribed: bool) -> str:
    """`退订 警示` / `订阅 案例` / `退订 全部`: record the choice per kind; the bare word lists the choices."""
    word = _kind_word(turn.text) if turn.text.startswith(LEADS) else ""   # after 退订 / 订阅 (or TD)
    if not word:
        current = audience.preferences(turn.incoming.openid)
        shown = "，".join(f"{Kind(k).word}{STATE[v]}" for k, v in current.items()) or "全部接收"
        return CHOOSE.format(current=shown)
    kinds = list(Kind) if word in ALL_WORDS else [audience.kind_of(word)]
    changed = audience.set_preference(openid=turn.incoming.openid, kinds=kinds, subscribed=subscribed,
                                      now=turn.now)
    names = "、".join(k.label for k in kinds)
    if not changed:
        return ALREADY.format(kinds=names, state=STATE[subscribed])
    template = SUBSCRIBED if subscribed else UNSUBSCRIBED
    return template.format(kinds=names, word=kinds[0].word if len(kinds) == 1 else "全部")


def _lead(text: str) -> int:
    """How long the command word the text starts with is (退订, 取消订阅 …)."""
    return next((len(lead) for lead in LEADS if text.startswith(lead)), 2)


def _kind_word(text: str) -> str:
    """What follows 退订 / 订阅 / 取消订阅, past a space or a comma or colon typed between ("退订：警示")."""
    return text[_lead(text):].strip().lstrip(SEPARATORS).strip()


def _is_toggle(text: str) -> bool:
    """`退订` / `退订 警示` / `订阅案例` are the command; "退订短信回了TD还是天天发" or "订阅号天天推广告" is a question
    for 维权问答 (an unknown word glued to the command, or a long one after it, is not a kind)."""
    word = _kind_word(text)
    if not word or word in audience.KIND_WORDS or word in ALL_WORDS:
        return True
    after = text[_lead(text):_lead(text) + 1]
    return (after.isspace() or after in SEPARATORS) and len(word) <= KIND_TYPO_CHARS


def unsubscribe(turn: Turn) -> str:
    return _toggle(turn, False)


def subscribe(turn: Turn) -> str:
    return _toggle(turn, True)


def job_finished(turn: Turn) -> None:
    """WeChat reports a mass (or template) job's counts; record them and answer nothing."""
    extra = turn.incoming.extra
    if turn.incoming.event == "masssendjobfinish" and extra.get("MsgID"):
        job = publication_views.job_finished(msg_id=str(extra["MsgID"]), counts=extra, now=turn.now)
        if job is not None:
            delivery_reports.mass_finished(job)
    elif turn.incoming.event == "templatesendjobfinish" and extra.get("MsgID"):
        delivery_reports.template_finished(openid=turn.incoming.openid, msg_id=str(extra["MsgID"]),
                                           status=str(extra.get("Status") or ""), now=turn.now)
    return None


ENTRIES = [
    Command(warnings, keys=frozenset({MenuKey.WARNINGS}), words=frozenset({"警示", "最新警示", "消费警示"})),
    Command(cases, keys=frozenset({MenuKey.CASES}), words=frozenset({"案例", "典型案例"})),
    Command(search, prefixes=("警示 ", "案例 ", "提示 ", "抽检 ")),
    Command(search_suffixed, phrases=SUFFIXED),
    Command(unsubscribe, words=frozenset({"退订", "TD", "td", "取消订阅", "取消推送"}), prefixes=("退订", "取消订阅", "取消推送"),
            accepts=_is_toggle, phrases=STOP_SENDING),
    Command(subscribe, words=frozenset({"订阅"}), prefixes=("订阅",), accepts=_is_toggle),
    Command(job_finished, events=frozenset({"masssendjobfinish", "templatesendjobfinish"})),
]
