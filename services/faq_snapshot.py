"""This process's read-only copy of the published knowledge base: entries as plain values, the lexical index, the
learned centroids and the pins — rebuilt when the knowledge base changes anywhere.

    current() → Snapshot       (the only call on the question path; cheap when nothing changed)

How a change reaches every worker within seconds (issue 11), whoever made it (console, `kb import` in another
process, another host):
  * the Redis token (`keys.faq_index_version`, bumped by faq_store after every commit) is read on each question, as
    before — one GET;
  * the database stamp (count and newest id of `knowledge_revisions` and of pins: every import, edit, publish and pin
    appends a revision) is read at most once every STAMP_SECONDS — so a change made by a process that could not reach
    this Redis (an embedded store, an outage) still arrives;
  * a change made in this process (faq_store bumps a local generation) is seen on the next question.
Questions never read entries from the database: the answer text comes from the snapshot.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import threading
import time
import uuid
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

import bounds
import logs
from extensions import db, redis
from models.faq import EntryRevision, KnowledgeEntry, PinnedAnswer
from services import faq_rank, faq_route, faq_store, keys
from services.faq_index import Index, Phrasings
from services.faq_model import Centroids
from services.faq_pinyin import Reader
from services.faq_text import USERDICT, Text, load_synonyms

log = logs.get(__name__)

STAMP_SECONDS = 1.0


@dataclass(frozen=True)
class Entry:
    """What answering needs of one published entry (detached from any database session)."""

    slug: str
    topic: str
    question: str
    answer: str
    citations: tuple[str, ...]
    related: tuple[str, ...]
    next_step: str
    category: str
    family: str | None        # the kind of purchase it is limited to (knowledge/categories.yaml), None: any


@dataclass
class Snapshot:
    token: str
    stamp: tuple
    entries: dict[str, Entry]
    index: Index
    centroids: Centroids | None
    pins: dict[str, str]          # normalised pattern (no spaces) → slug
    routing: faq_route.Routing
    _pinyin: Reader | None = None

    def pinyin(self) -> Reader:
        """The pinyin reader over this snapshot's words, built the first time a message needs it."""
        if self._pinyin is None:
            with _lock:
                if self._pinyin is None:
                    text = self.index.text
                    texts = [*(e.question for e in self.entries.values()),
                             *(m for examples in self.routing.examples.values() for m in examples)]
                    self._pinyin = Reader.build(texts, words=text.plain_words, sounds=text.sound_table)
        return self._pinyin


_text: Text | None = None
_routing: faq_route.Routing | None = None
_snapshot: Snapshot | None = None
_tables: dict[str, tuple[Index, Centroids | None]] = {}     # the last ranking tables, by what they were built from
_tables_kept = 1
_checked = 0.0
_generation = -1
_lock = threading.RLock()


def keep_tables(n: int) -> None:
    """How many sets of ranking tables this process keeps (FAQ_TABLES_KEPT, set by create_app): about 110 MiB each."""
    global _tables_kept
    _tables_kept = max(1, n)


def text_tools() -> Text:
    """The process's normaliser and tokenisers (jieba + user dictionary + synonym table), built on first use."""
    global _text
    if _text is None:
        with _lock:
            if _text is None:
                _text = Text(synonyms=load_synonyms(), userdict=USERDICT)
    return _text


def routing() -> faq_route.Routing:
    global _routing
    if _routing is None:
        _routing = faq_route.load()
    return _routing


def current() -> Snapshot:
    """The snapshot, rebuilt first if the knowledge base changed (see the module docstring)."""
    global _snapshot, _checked, _generation
    token = _token()
    now = time.monotonic()
    snap = _snapshot
    stale = snap is None or (token is not None and token != snap.token) or _generation != faq_store.generation()
    stamp = snap.stamp if snap is not None else None
    if not stale and now - _checked >= STAMP_SECONDS:
        stamp = _stamp()
        _checked = now
        stale = stamp is not None and stamp != snap.stamp
    if stale:
        with _lock:
            if _snapshot is snap:
                _generation = faq_store.generation()
                _snapshot = _build(token or (snap.token if snap else "no-redis"), _stamp() or ())
                _checked = time.monotonic()
    return _snapshot


def _token() -> str | None:
    try:
        token = redis.get(keys.faq_index_version())
        if token is None:                     # first process up, or Redis was flushed: start a new token
            redis.set(keys.faq_index_version(), uuid.uuid4().hex, nx=True)
            token = redis.get(keys.faq_index_version())
        return token
    except RedisError:
        return None


def _stamp() -> tuple | None:
    try:
        revisions = db.session.execute(select(func.count(EntryRevision.id), func.max(EntryRevision.id))).one()
        pins = db.session.execute(select(func.count(PinnedAnswer.id), func.max(PinnedAnswer.id))).one()
        return (*revisions, *pins)
    except SQLAlchemyError:
        db.session.rollback()
        return None


def _build(token: str, stamp: tuple) -> Snapshot:
    route = routing()
    rows = db.session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.published.is_(True))
                              .order_by(KnowledgeEntry.slug)).all()
    entries = {e.slug: Entry(slug=e.slug, topic=e.topic, question=e.question, answer=e.answer,
                             citations=tuple(str(c) for c in e.citations), related=tuple(e.related),
                             next_step=e.next_step, category=route.category(slug=e.slug, topic=e.topic),
                             family=route.family(slug=e.slug, topic=e.topic))
               for e in rows}
    phrasings = [Phrasings(e.slug, e.question,
                           (*(str(p) for p in e.paraphrases), *route.examples.get(e.slug, ())),   # consumers' own words
                           tuple(str(k) for k in e.keywords))
                 for e in rows]
    ids = {e.id: e.slug for e in rows}
    pins = {p.pattern: ids[p.entry_id] for p in db.session.scalars(select(PinnedAnswer)) if p.entry_id in ids}
    labelled = [*((p.slug, [p.question, *p.paraphrases, " ".join(p.keywords)]) for p in phrasings),
                *((faq_rank.REFERRAL_SLUG + r.id, list(r.examples)) for r in route.referrals
                  if r.examples and phrasings),                   # compared with entries: none, none
                *((f"{faq_rank.TALK_SLUG}{kind}#{n}", [message])  # each on its own: a recipe is not like a stock tip
                  for kind, messages in route.talk.items() if phrasings for n, message in enumerate(messages))]
    index, centroids = _ranking_tables(phrasings, labelled)
    log.info("faq snapshot built", entries=len(entries), pins=len(pins))
    return Snapshot(token=token, stamp=stamp, entries=entries, index=index, centroids=centroids, pins=pins,
                    routing=route)


def _ranking_tables(phrasings: list[Phrasings], labelled: list) -> tuple[Index, Centroids | None]:
    """The index and the centroids for these phrasings — the last ones built again when nothing they are built from
    changed (a publish, a pin or an answer edit leaves them as they were: seconds of CPU saved per change). The
    last `keep_tables` sets are kept (1 in production)."""
    digest = hashlib.sha256(repr((phrasings, labelled)).encode("utf-8")).hexdigest()
    if digest in _tables:
        _tables[digest] = _tables.pop(digest)      # the newest last
        return _tables[digest]
    while len(_tables) >= _tables_kept:                    # the oldest go before the new ones are built, not after
        _tables.pop(next(iter(_tables)))
    with bounds.off_the_clock():        # seconds of CPU on a cold worker; no store is waited on meanwhile
        text = text_tools()
        index = Index(phrasings, text)
        centroids = Centroids.build(labelled, normalise=text.normalise)
    _return_freed_memory()
    _tables[digest] = (index, centroids)
    return index, centroids


def _return_freed_memory() -> None:
    """Hand the build's scratch memory back to the system (glibc keeps freed heap pages otherwise): a build peaks at
    several times what the index keeps, and each web worker would carry that peak for its whole life."""
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:
        trim(0)
