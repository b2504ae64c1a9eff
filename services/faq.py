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
import uuid
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

# Calibrated with bench/bench_qa.py on tests/data (see docs/BENCHMARKS.md). `evidence` is the idf mass of the
# question's terms found in the entry; `coverage` the share of the question's terms found; `margin` how far the top
# entry leads the runner-up, relative to its own score.
EVIDENCE_MIN = 11.0     # below: not something we know about (no entry shown)
EVIDENCE_OFFER = 8.0    # between this and EVIDENCE_MIN, a question naming one of our keywords gets three choices
EVIDENCE_TOPICAL = 6.0  # below that too: off-topic chit-chat, not worth a staff's time; between: queued as unanswered
SHORT_COVERAGE = 0.6    # a short question below EVIDENCE_MIN that names a keyword and is this covered: offer three
ANSWER_COVERAGE = 0.45  # answer outright only when this share of the question is found in the entry ...
ANSWER_MARGIN = 0.10    # ... and it leads the runner-up clearly; otherwise offer the top three
OFFER_SIZE = 3
MAX_QUESTION_CHARS = 300

# Smalltalk: a message made only of these words (after dropping particles) is a greeting / thanks, not a question.
GREETING_WORDS = frozenset("你好 您好 你们好 大家好 在吗 在不在 在不 在 有人 有人吗 有没有人 哈喽 嗨 hi hello hey 喂 "
                           "早 早安 早上好 上午好 中午好 下午好 晚上好 晚安 小助手 助手 客服 老师 老师好 领导好 "
                           "新年快乐 新年好 过年好 节日快乐 快乐 赛努 赛白努 ".split())
THANKS_WORDS = frozenset("谢谢 谢 多谢 多谢了 感谢 感激 谢啦 谢了 thanks thank you thx 好的 好 好嘞 嗯 嗯嗯 哦 哦哦 ok okay "
                         "知道 知道了 明白 明白了 收到 懂了 行 行吧 好吧 拜拜 再见 辛苦 辛苦了 赞 棒 服务 真好 不错 "
                         "厉害 满意 感谢感谢 谢谢你们 谢谢您".split())
FILLER_WORDS = frozenset("啊 呀 哈 哈哈 呢 吗 吧 了 的 哦 噢 嘛 啦 你 您 你们 我 在 不 真 很 非常 太 一下".split())
THANKS_EMOJI = frozenset("👍🙏❤♥🌹💐👌😊🙂☺🤝💪")
# Requests no consumer-rights account answers (recommendations, homework, weather, songs): off-topic outright.
CHITCHAT = re.compile(r"(推荐|介绍)(个|一个|一下|点|些)?(好吃|好玩|好看|好听)|附近有(什么|啥)(好吃|好玩)|讲个笑话|"
                      r"(唱|来)(首|个)歌|作文|翻译成|天气|股市|星期几|几点的(火车|飞机|汽车|车)")
ABOUT_ME = re.compile(r"你是(谁|哪位|机器人|真人|人工|ai|人吗)|你叫(什么|啥)|你(几|多大)岁|你的名字|你会(干|做)(什么|啥)")
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
    ABOUT_ME = "about_me"    # 你是机器人吗 / 你叫什么名字
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
        if version is None:                        # first process up, or Redis was flushed: start a new token
            redis.set(keys.faq_index_version(), uuid.uuid4().hex, nx=True)
            version = redis.get(keys.faq_index_version()) or "unset"
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
        thanks = raw and all(c in THANKS_EMOJI or not c.strip() or unicodedata.category(c).startswith(("M", "C"))
                             for c in raw) and any(c in THANKS_EMOJI for c in raw)
        return Result(Kind.SMALLTALK, talk=Talk.THANKS if thanks else Talk.EMPTY)
    pinned = state.pins.get(squeezed)
    if pinned is not None:
        entry = _published(pinned)
        if entry is not None:
            return Result(Kind.ANSWER, entry=entry, via="pin")
    talk = _smalltalk(raw, state.index.text)
    if talk is not None:
        return Result(Kind.SMALLTALK, talk=talk)
    query = state.index.query(raw)
    return _decide(query, state.index.rank(query, limit=5), state.index, raw)


def _smalltalk(raw: str, text) -> Talk | None:
    plain = "".join(c for c in raw.lower() if c.isalnum() or c.isspace())
    if ABOUT_ME.search(plain.replace(" ", "")):
        return Talk.ABOUT_ME
    if CHITCHAT.search(plain.replace(" ", "")):
        return Talk.OFF_TOPIC
    words = [w for w in text.plain_words(plain) if w not in FILLER_WORDS]
    if not words:
        return None
    if all(w in GREETING_WORDS or w in THANKS_WORDS for w in words):
        return Talk.GREETING if any(w in GREETING_WORDS for w in words) else Talk.THANKS
    return None


def _decide(query: Query, hits: list[Hit], index: Index, raw: str) -> Result:
    letters = [c for c in raw if c.isalpha()]
    foreign = sum(1 for c in letters if not c.isascii() and not cjk_count(c))
    if letters and foreign * 3 > len(letters):
        return Result(Kind.SMALLTALK, talk=Talk.FOREIGN, hits=hits)
    top = hits[0] if hits else None
    if top is None or top.evidence < EVIDENCE_MIN:
        topical = bool(index.domain_words(query))
        if topical and top is not None and (top.coverage >= SHORT_COVERAGE or top.evidence >= EVIDENCE_OFFER):
            return _offer(hits)                    # a short question in our own words: "退款" → three choices
        if topical or (top is not None and top.evidence >= EVIDENCE_TOPICAL and index.known_words(query)):
            return Result(Kind.UNKNOWN, hits=hits)
        if letters and not cjk_count(raw):
            return Result(Kind.SMALLTALK, talk=Talk.FOREIGN, hits=hits)
        return Result(Kind.SMALLTALK, talk=Talk.OFF_TOPIC, hits=hits)
    second = hits[1].score if len(hits) > 1 else 0.0
    margin = (top.score - second) / top.score if top.score > 0 else 0.0
    if top.coverage >= ANSWER_COVERAGE and margin >= ANSWER_MARGIN:
        entry = _published(top.slug)
        if entry is not None:
            return Result(Kind.ANSWER, entry=entry, hits=hits, via="rank")
    return _offer(hits)


def _offer(hits: list[Hit]) -> Result:
    choices = [e for e in (_published(h.slug) for h in hits[:OFFER_SIZE]) if e is not None]
    return Result(Kind.SUGGEST, choices=choices, hits=hits)


def _published(slug: str) -> KnowledgeEntry | None:
    return db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.slug == slug,
                                                          KnowledgeEntry.published.is_(True)))


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
