"""Text for 维权问答 matching: normalisation, words, character bigrams and pinyin bigrams. No database.

    normalise("ＴＢ买的鞋咋整？")  → "tb 淘宝买的鞋咋整 怎么办"   NFKC (full-width → half-width), lower case, the
                                        synonym table (knowledge/synonyms.yaml: slang, typos, dialect) appended
    words(...)      jieba (search mode) with knowledge/userdict.txt, stop words dropped
    bigrams(...)    overlapping character pairs of the CJK/alphanumeric runs — survives a wrong or missing character
    sounds(...)     the same pairs over toneless pinyin — survives a homophone typed by a pinyin IME (赔尝 → 赔偿)

`Text` is built once per process (jieba's dictionary is ~1.5 s and tens of MB) and shared by every index.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from importlib import metadata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jieba
import yaml

import config as settings
import logs

log = logs.get(__name__)

KNOWLEDGE_DIR = settings.ROOT / "knowledge"
SYNONYMS = KNOWLEDGE_DIR / "synonyms.yaml"
USERDICT = KNOWLEDGE_DIR / "userdict.txt"
# libyaml's parser when PyYAML has it: thousands of examples parsed in pure Python leave each worker's heap
# fragmented by megabytes; the C parser makes fewer scratch objects and is several times faster (an import of every
# entry file, which each `kb import` and the test suite's knowledge-base fixture do, went from 0.6 s to under 0.2 s).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Function words and politeness that carry no topic. Kept short on purpose: 退/赔/假/不 matter.
STOP_WORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 哈 啦 喔 哇 诶 欸 额 嗯 是 在 有 和 与 及 或 就 都 也 还 又 再 很 太 挺 "
    "我 我们 你 你们 您 他 她 它 他们 这 那 这个 那个 这样 那样 这种 那种 一个 一下 个 些 点 "
    "请问 请 问 问一下 问下 想问 想 要 想要 能 能不能 可以 可不可以 可否 会 会不会 该 应该 怎么 怎么办 怎么样 "
    "咋 咋办 如何 什么 啥 为什么 为啥 是不是 有没有 到底 究竟 一般 然后 但是 可是 因为 所以 如果 的话 "
    "谢谢 麻烦 帮 帮忙 帮我 一直 已经 刚 刚刚 现在 今天 昨天 前天 上次 之前 之后 时候 自己 人家 东西".split())

_NON_TEXT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"^[0-9a-z]+$")


class Text:
    """Normaliser and tokenisers over one synonym table and one user dictionary."""

    def __init__(self, *, synonyms: Synonyms, userdict: Path | None) -> None:
        self.synonyms = synonyms
        self.stopwords = STOP_WORDS | synonyms.stopwords
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        if userdict is not None and userdict.exists():
            with userdict.open("rb") as lines:              # jieba leaves a path it opened unclosed
                self._tokenizer.load_userdict(lines)
        for replacement in set(synonyms.table.values()):      # canonical terms stay whole words
            for term in replacement.split():
                if _CJK.search(term) and len(term) > 1:
                    self._tokenizer.add_word(term, freq=2000)
        self._replace = _replacer(synonyms.table)
        self._correct = _replacer(synonyms.typos)
        self._sounds = _sound_table()

    def normalise(self, text: str) -> str:
        """NFKC, lower case, punctuation/emoji → space, then slang/typo/dialect variants → their canonical word."""
        text = _fold(text or "")
        if self._replace is not None:
            text = self._replace(text)
        return " ".join(text.split())

    def correct(self, text: str) -> str:
        """The message with only its typos put right ("外买" → 外卖), nothing appended: for the rules that read the
        consumer's own words (knowledge/categories.yaml `not_for`)."""
        text = _fold(text or "")
        return self._correct(text) if self._correct is not None else text

    def words(self, normalised: str) -> list[str]:
        return [w for w in self._tokenizer.lcut_for_search(normalised)
                if w.strip() and w not in self.stopwords]

    def plain_words(self, text: str) -> list[str]:
        """jieba's precise-mode words, no synonyms, no stop words removed (for recognising small talk)."""
        return [w for w in self._tokenizer.lcut(text) if w.strip()]

    def bigrams(self, normalised: str) -> list[str]:
        return _pairs(list(_chars(normalised)))

    @property
    def sound_table(self) -> Mapping[str, str]:
        """CJK character → its toneless pinyin (first reading)."""
        return self._sounds

    def sounds(self, normalised: str) -> list[str]:
        return _pairs([self._sounds.get(c, c) + "-" if c != " " else c for c in _chars(normalised)])


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


@dataclass(frozen=True)
class Synonyms:
    """variant → text to put in its place (the variant followed by its canonical), and extra stop words."""

    table: Mapping[str, str] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    typos: Mapping[str, str] = field(default_factory=dict)         # typo variant → its canonical alone


def load_synonyms(path: Path = SYNONYMS) -> Synonyms:
    """Read synonyms.yaml: `groups: [{canonical, kind, variants}]` and `stopwords: [...]`. Raises ValueError."""
    if not path.exists():
        log.warning("synonyms file missing", path=str(path))
        return Synonyms()
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"{path.name}: not valid YAML ({err.__class__.__name__})") from err
    if not isinstance(data, Mapping):
        raise ValueError(f"{path.name}: expected a mapping with groups and stopwords")
    table: dict[str, str] = {}
    typos: dict[str, str] = {}
    for group in data.get("groups") or []:
        canonical = _fold(str(group.get("canonical") or ""))
        if not canonical:
            continue
        for variant in group.get("variants") or []:
            key = _fold(str(variant))
            if not key or key == canonical:
                continue
            # Every kind keeps the variant and appends the canonical: typos and slang also occur in the entries'
            # own paraphrases. Measured on the held-out set: 281/302 top-ranked right vs 280 replacing typos only
            # and 276 replacing every kind (bench/bench_qa.py, 2026-11-28).
            table[key] = f"{key} {canonical}"
            if group.get("kind") == "typo" and " " not in canonical:
                typos[key] = canonical
    stopwords = frozenset(_fold(str(w)) for w in data.get("stopwords") or [] if str(w).strip())
    return Synonyms(table=table, stopwords=stopwords, typos=typos)


def _fold(text: str) -> str:
    return " ".join(_NON_TEXT.sub(" ", unicodedata.normalize("NFKC", text).lower()).split())


def _replacer(table: Mapping[str, str]):
    """One regex over every variant, longest first; Latin variants (tb, jd) only as whole words."""
    if not table:
        return None
    parts = []
    for variant in sorted(table, key=len, reverse=True):
        escaped = re.escape(variant)
        parts.append(rf"(?<![0-9a-z]){escaped}(?![0-9a-z])" if _LATIN_WORD.match(variant) else escaped)
    pattern = re.compile("|".join(parts))
    return lambda text: pattern.sub(lambda m: table.get(m.group(0), m.group(0)), text)


def _chars(normalised: str) -> Iterable[str]:
    """CJK characters one by one; a Latin/digit run as one symbol; spaces break runs."""
    for chunk in normalised.split():
        for piece in re.findall(r"[0-9a-z]+|.", chunk):
            yield piece
        yield " "


def _pairs(symbols: list[str]) -> list[str]:
    out = []
    for a, b in zip(symbols, symbols[1:]):
        if a != " " and b != " ":
            out.append(a + b)
    return out


# Toneless first reading of every CJK character, from pypinyin's table. Importing that table costs a process ~60 MB
# that it never gives back, so a short-lived child process writes the ~27k readings we need to a cache file (as jieba
# caches its dictionary) and each web worker only reads that file.
_SOUNDS_SCRIPT = """
import json, os, sys, unicodedata
from pypinyin.pinyin_dict import pinyin_dict
table = {}
for code, readings in pinyin_dict.items():
    if 0x3400 <= code <= 0x9FFF:
        first = unicodedata.normalize("NFD", readings.split(",")[0])
        table[chr(code)] = "".join(c for c in first if not unicodedata.combining(c))
tmp = sys.argv[1] + ".%d.tmp" % os.getpid()
with open(tmp, "w", encoding="utf-8") as out:
    json.dump(table, out, ensure_ascii=False)
os.replace(tmp, sys.argv[1])
"""


def _sound_table() -> dict[str, str]:
    cache = Path(tempfile.gettempdir()) / f"cp_faq_sounds_{metadata.version('pypinyin')}.json"
    if not cache.exists():
        subprocess.run([sys.executable, "-c", _SOUNDS_SCRIPT, str(cache)], check=True, timeout=120)
    table = json.loads(cache.read_text(encoding="utf-8"))
    return {char: sys.intern(sound) for char, sound in table.items()}
