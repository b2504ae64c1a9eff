"""维权问答 routing before ranking: matters another department handles (knowledge/referrals.yaml), the category
a message is clearly about (knowledge/categories.yaml) and consumers' own messages labelled with the entry that
answers them (knowledge/examples.yaml), data tables read once per process. No database.

    referral("公司拖欠我三个月工资") → Referral(id="labour", office="劳动保障部门", reply=...)
    families("pdd买的吹风机坏了咋整") → {"goods"}
    category(slug=..., topic="食品十倍赔偿") → "food"; family(...) → "food" (None: applies to any purchase)

A referral never cites a law and is checked before any ranking (issue 11). A category guard keeps a confident
answer inside the category the message is about: the food entry's 十倍赔偿 never answers a hair dryer.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from services.faq_text import KNOWLEDGE_DIR, SAFE_LOADER

REFERRALS = KNOWLEDGE_DIR / "referrals.yaml"
CATEGORIES = KNOWLEDGE_DIR / "categories.yaml"
EXAMPLES = KNOWLEDGE_DIR / "examples.yaml"
GENERAL = "general"
_SQUEEZE = re.compile(r"[\s，。！？、,.!?~…:：;；\"'“”‘’()（）【】\[\]]+")


@dataclass(frozen=True)
class Referral:
    id: str
    office: str
    reply: str
    patterns: re.Pattern
    unless: re.Pattern | None = None
    replaces: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()      # how people describe the matter: the learned channel's phrasings

    def excluded(self, flat: str) -> bool:
        return self.unless is not None and bool(self.unless.search(flat))


@dataclass(frozen=True)
class Routing:
    referrals: tuple[Referral, ...] = ()
    topic_category: Mapping[str, str] = field(default_factory=dict)
    entry_category: Mapping[str, str] = field(default_factory=dict)
    cues: Mapping[str, re.Pattern] = field(default_factory=dict)
    guarded: Mapping[str, str] = field(default_factory=dict)        # category → cue family
    unguarded_topics: frozenset[str] = frozenset()
    unguarded_entries: frozenset[str] = frozenset()
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)   # entry id → messages it answers
    talk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)       # small-talk kind → messages of that kind
    not_for: Mapping[str, re.Pattern] = field(default_factory=dict)       # entry id → settings it never answers

    def referral(self, text: str) -> Referral | None:
        """The first referral whose patterns match the message (spaces and punctuation removed)."""
        flat = squeeze(text)
        for ref in self.referrals:
            if ref.patterns.search(flat) and not ref.excluded(flat):
                return ref
        return None

    def by_id(self, referral_id: str) -> Referral | None:
        return next((r for r in self.referrals if r.id == referral_id), None)

    def families(self, text: str) -> set[str]:
        """The kinds of purchase (cue families) the message names (empty when it names none)."""
        flat = squeeze(text)
        return {name for name, cue in self.cues.items() if cue.search(flat)}

    def outside(self, text: str) -> set[str]:
        """The entries whose rule does not reach the setting the message names (the 饭店 ban is not KTV's rule)."""
        flat = squeeze(text)
        return {slug for slug, pattern in self.not_for.items() if pattern.search(flat)}

    def category(self, *, slug: str, topic: str) -> str:
        return self.entry_category.get(slug) or self.topic_category.get(topic) or GENERAL

    def family(self, *, slug: str, topic: str) -> str | None:
        """The kind of purchase an entry is limited to, or None when it applies to any."""
        if topic in self.unguarded_topics or slug in self.unguarded_entries:
            return None
        return self.guarded.get(self.category(slug=slug, topic=topic))


def squeeze(text: str) -> str:
    return _SQUEEZE.sub("", unicodedata.normalize("NFKC", text or "").lower())


def load(referrals: Path = REFERRALS, categories: Path = CATEGORIES, examples: Path | None = None) -> Routing:
    """Read the tables; raises ValueError naming the file on a bad one."""
    refs = []
    entry_examples, referral_examples, talk_examples = _examples(examples or EXAMPLES)
    for item in _yaml(referrals).get("referrals") or []:
        try:
            refs.append(Referral(id=str(item["id"]), office=str(item["office"]), reply=str(item["reply"]).strip(),
                                 patterns=_any(item["patterns"]),
                                 unless=_any(item["unless"]) if item.get("unless") else None,
                                 replaces=tuple(str(r) for r in item.get("replaces") or ()),
                                 examples=(*(str(e) for e in item.get("examples") or ()),
                                           *referral_examples.get(str(item["id"]), ()))))
        except (KeyError, TypeError, re.error) as err:
            raise ValueError(f"{referrals.name}: bad referral {item!r:.60} ({err.__class__.__name__})") from err
    data = _yaml(categories)
    topic_category = {str(t): str(c) for c, topics in (data.get("topics") or {}).items() for t in topics or []}
    entry_category = {str(s): str(c) for c, slugs in (data.get("entries") or {}).items() for s in slugs or []}
    try:
        cues = {str(c): _any(p) for c, p in (data.get("cues") or {}).items()}
        not_for = {str(slug): _any(p) for slug, p in (data.get("not_for") or {}).items()}
    except re.error as err:
        raise ValueError(f"{categories.name}: bad cue pattern ({err})") from err
    return Routing(referrals=tuple(refs), topic_category=topic_category, entry_category=entry_category, cues=cues,
                   guarded={str(k): str(v) for k, v in (data.get("guarded") or {}).items()},
                   unguarded_topics=frozenset(str(t) for t in data.get("unguarded_topics") or []),
                   unguarded_entries=frozenset(str(s) for s in data.get("unguarded_entries") or []),
                   examples=entry_examples, talk=talk_examples, not_for=not_for)


EXAMPLE_KINDS = ("entry", "referral", "talk")


def _examples(path: Path) -> tuple[dict[str, tuple[str, ...]], ...]:
    """Consumers' messages by the entry that answers them, by the referral that takes them, and by the kind of small
    talk they are (offtopic, greeting, thanks, closing)."""
    by_key: dict[tuple[str, str], list[str]] = {}
    for item in _yaml(path).get("examples") or []:
        try:
            kind = next(k for k in EXAMPLE_KINDS if k in item)
            by_key.setdefault((kind, str(item[kind])), []).append(str(item["text"]))
        except (StopIteration, KeyError, TypeError) as err:
            raise ValueError(f"{path.name}: bad example {item!r:.60} ({err.__class__.__name__})") from err
    split: tuple[dict[str, tuple[str, ...]], ...] = tuple({} for _ in EXAMPLE_KINDS)
    for (kind, key), texts in by_key.items():
        split[EXAMPLE_KINDS.index(kind)][key] = tuple(texts)
    return split


def _any(patterns) -> re.Pattern:
    if isinstance(patterns, str):
        patterns = [patterns]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _yaml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"{path.name}: not valid YAML") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected a mapping")
    return data
