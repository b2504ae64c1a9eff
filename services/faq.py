"""维权问答: answer a consumer's question from the knowledge base, or say honestly that we cannot.

    ask(openid=, text=, now=) → Result
        kind ANSWER     one entry, confident (or a staff-pinned pattern, or a number picked from an offer)
        kind SUGGEST    a close call: up to three entries to offer as "您是不是想问"; kept in Redis so "2" answers
        kind UNKNOWN    a question about something we do not cover: recorded for staff (text normalised, counted)
        kind SMALLTALK  greeting, thanks, off-topic, empty, emoji-only, too long, another script: never an entry

The ranking index (services/faq_index.py) is built once per process and rebuilt only when the version token in
Redis changes (services/faq_store.py bumps it after every committed change).
"""
from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from redis.exceptions import RedisError
from sqlalchemy import select

import logs
from extensions import db, redis
from models.faq import KnowledgeEntry, PinnedAnswer, QuestionOutcome
from services import faq_queue, faq_store, keys
from services.clock import utcnow
from services.faq_index import Hit, Index, Phrasings, Query
from services.faq_text import USERDICT, Text, cjk_count, load_synonyms

log = logs.get(__name__)

CONFIDENT = 0.62        # top score at or above: answer
CLOSE = 0.40            # top score at or above (but not confident): offer the top three
MARGIN = 0.06           # a confident top score must lead the runner-up by this much, or it is a close call
OFFER_SIZE = 3
MAX_QUESTION_CHARS = 300

GREETINGS = frozenset("你好 您好 你们好 在吗 在不在 有人吗 有人在吗 哈喽 嗨 hi hello hey 早 早上好 上午好 中午好 下午好 "
                      "晚上好 晚安 喂 在 客服 小助手 机器人".split())
THANKS = frozenset("谢谢 谢谢你 谢谢您 多谢 感谢 感谢你 感谢您 谢啦 谢了 thanks thank you thx 好的 好 嗯 嗯嗯 哦 ok okay "
                   "知道了 明白了 收到 懂了 行 好吧 拜拜 再见 辛苦了 辛苦 赞 棒".split())
_CHOICE = re.compile(r"^(?:第)?([123一二三])(?:个|条|项|号)?$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3}


class Kind(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    UNKNOWN = "unknown"
    SMALLTALK = "smalltalk"


class Talk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    EMPTY = "empty"          # empty, blank, emoji or punctuation only
    TOO_LONG = "too_long"
    FOREIGN = "foreign"      # mostly another script
    OFF_TOPIC = "off_topic"


@dataclass
class Result:
    kind: Kind
    entry: KnowledgeEntry | None = None
    choices: list[KnowledgeEntry] = field(default_factory=list)
    talk: Talk | None = None
    hits: list[Hit] = field(default_factory=list)
    via: str = ""            # "rank", "pin", "choice"


@dataclass
class Loaded:
    version: str
    index: Index
    pins: dict[str, str]      # normalised pattern (no spaces) → slug


_text: Text | None = None
_loaded: Loaded | None = None
_lock = threading.RLock()


def text_tools() -> Text:
    """The process's normaliser and tokenisers (jieba + user dictionary + synonym table), built on first use."""
    global _text
    if _text is None:
        with _lock:
            if _text is None:
                _text = Text(synonyms=load_synonyms(), userdict=USERDICT)
    return _text


def loaded() -> Loaded:
    """This process's index; rebuilt from the database when the version token in Redis has changed."""
    global _loaded
    try:
        version = redis.get(keys.faq_index_version())
        if version is None:
            redis.set(keys.faq_index_version(), "v0", nx=True)
            version = redis.get(keys.faq_index_version()) or "v0"
    except RedisError:
        if _loaded is not None:
            return _loaded
        version = "no-redis"
    if _loaded is None or _loaded.version != version:
        with _lock:
            if _loaded is None or _loaded.version != version:
                _loaded = _build(version)
    return _loaded


def _build(version: str) -> Loaded:
    text = text_tools()
    entries = db.session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.published.is_(True))
                                 .order_by(KnowledgeEntry.slug)).all()
    index = Index([Phrasings(e.slug, e.question, tuple(e.paraphrases), tuple(e.keywords)) for e in entries], text)
    published = {e.id: e.slug for e in entries}
    pins = {p.pattern: published[p.entry_id] for p in db.session.scalars(select(PinnedAnswer))
            if p.entry_id in published}
    log.info("faq index built", entries=len(index), pins=len(pins))
    return Loaded(version=version, index=index, pins=pins)


# ---------------------------------------------------------------------------------------------------- asking

def ask(*, openid: str, text: str, now: datetime) -> Result:
    """Answer one message outside any flow. Records unanswered and close-call questions (never the openid)."""
    offered = _take_offer(openid)
    choice = _choice(text)
    if choice is not None and offered and choice <= len(offered):
        entry = _published(offered[choice - 1])
        if entry is not None:
            return Result(Kind.ANSWER, entry=entry, via="choice")
    result = classify(text)
    if result.kind is Kind.SUGGEST:
        _keep_offer(openid, [e.slug for e in result.choices])
    if result.kind in {Kind.SUGGEST, Kind.UNKNOWN}:
        top = result.hits[0] if result.hits else None
        faq_queue.record(text=loaded().index.text.normalise(text),
                         outcome=QuestionOutcome.CLOSE_CALL if result.kind is Kind.SUGGEST
                         else QuestionOutcome.UNANSWERED,
                         best_score=top.score if top else 0.0, best_slug=top.slug if top else None, now=now)
    log.info("faq asked", kind=result.kind.value, via=result.via or None, talk=result.talk,
             entry=result.entry.slug if result.entry else None,
             score=result.hits[0].score if result.hits else None)
    return result


def classify(text: str) -> Result:
    """Decide what a message is, without side effects (the console's "try a question" uses this too)."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if len(raw) > MAX_QUESTION_CHARS:
        return Result(Kind.SMALLTALK, talk=Talk.TOO_LONG)
    state = loaded()
    norm = state.index.text.normalise(raw)
    squeezed = "".join(norm.split())
    if not squeezed:
        return Result(Kind.SMALLTALK, talk=Talk.EMPTY)
    pinned = state.pins.get(squeezed)
    if pinned is not None:
        entry = _published(pinned)
        if entry is not None:
            return Result(Kind.ANSWER, entry=entry, via="pin")
    bare = "".join(unicodedata.normalize("NFKC", raw).lower().split()).strip("!！。.~～,，?？ ")
    if bare in GREETINGS or squeezed in GREETINGS:
        return Result(Kind.SMALLTALK, talk=Talk.GREETING)
    if bare in THANKS or squeezed in THANKS:
        return Result(Kind.SMALLTALK, talk=Talk.THANKS)
    query = state.index.query(raw)
    hits = state.index.rank(query, limit=5)
    return _decide(query, hits, state.index, raw)


def _decide(query: Query, hits: list[Hit], index: Index, raw: str) -> Result:
    top = hits[0].score if hits else 0.0
    second = hits[1].score if len(hits) > 1 else 0.0
    if top >= CONFIDENT and top - second >= MARGIN:
        return Result(Kind.ANSWER, entry=_published(hits[0].slug), hits=hits, via="rank")
    if top >= CLOSE:
        close = [h for h in hits if h.score >= CLOSE * 0.8][:OFFER_SIZE]
        choices = [e for e in (_published(h.slug) for h in close) if e is not None]
        if len(choices) == 1 and top >= CONFIDENT:
            return Result(Kind.ANSWER, entry=choices[0], hits=hits, via="rank")
        return Result(Kind.SUGGEST, choices=choices, hits=hits)
    letters = sum(1 for c in raw if c.isalpha())
    if letters and cjk_count(raw) * 2 < letters:
        return Result(Kind.SMALLTALK, talk=Talk.FOREIGN, hits=hits)
    if not index.known_words(query):
        return Result(Kind.SMALLTALK, talk=Talk.OFF_TOPIC, hits=hits)
    return Result(Kind.UNKNOWN, hits=hits)


def _published(slug: str) -> KnowledgeEntry | None:
    return db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.slug == slug,
                                                          KnowledgeEntry.published.is_(True)))


def related(entry: KnowledgeEntry) -> list[KnowledgeEntry]:
    found = [_published(slug) for slug in entry.related]
    return [e for e in found if e is not None]


# ---------------------------------------------------------------------------------------------------- offers

def _choice(text: str) -> int | None:
    """1/2/3 in any width, 一/二/三, "第2个" → the number; anything else → None."""
    bare = "".join(unicodedata.normalize("NFKC", text or "").split()).strip("。.!！")
    m = _CHOICE.match(bare)
    if not m:
        return None
    return _CHINESE_DIGITS.get(m.group(1)) or int(m.group(1))


def _keep_offer(openid: str, slugs: list[str]) -> None:
    try:
        redis.set(keys.faq_offer(openid), json.dumps(slugs), ex=keys.FAQ_OFFER_TTL)
    except RedisError:
        log.warning("faq offer not kept: redis unavailable")


def _take_offer(openid: str) -> list[str]:
    """The slugs offered last time, consumed (a number answers the last offer only once)."""
    try:
        raw = redis.getdel(keys.faq_offer(openid))
    except RedisError:
        return []
    return json.loads(raw) if raw else []


# ---------------------------------------------------------------------------------------------------- seeding

def import_file(path: str | Path, *, now: datetime | None = None) -> dict[str, int]:
    return faq_store.import_file(path, now=now or utcnow())


def import_dir(directory: str | Path = faq_store.ENTRIES_DIR, *, now: datetime | None = None) -> dict[str, int]:
    return faq_store.import_dir(directory, now=now or utcnow())


def seed() -> str:
    """`flask seed`: import knowledge/entries (idempotent)."""
    counts = import_dir()
    return ", ".join(f"{k} {v}" for k, v in counts.items())
