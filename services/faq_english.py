"""A 维权问答 message written in English, read as the Chinese words of knowledge/english.yaml.

    Glossary.load().read("bought an air conditioner, it leaks water")   → "买的 空调 漏水"
    Glossary.load().read("what's the capital of France")                 → None

Not a translator: the words a consumer uses for a purchase and what went wrong (issue 11: "a question in English"
got "只看得懂中文"). Phrases are matched longest first, whole words only; a message is read only when at least
MIN_KNOWN of its words are in the glossary and they are at least MIN_SHARE of its longer words, so a question about
anything else keeps the reply that we read only Chinese. Numbers are kept ("8000 yuan" → "8000 元").
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

PATH = Path(__file__).resolve().parent.parent / "knowledge" / "english.yaml"
MIN_KNOWN = 2           # glossary words a message needs to be read at all
MIN_SHARE = 0.25        # ... and their share of its words of three letters or more
LONGEST = 3             # the longest glossary phrase, in words
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+")


@functools.cache
def glossary() -> Glossary:
    """The shipped glossary, read the first time an English message needs it."""
    return Glossary.load()


@dataclass(frozen=True)
class Glossary:
    words: dict[str, str]

    @classmethod
    def load(cls, path: Path = PATH) -> Glossary:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls({" ".join(str(k).lower().split()): str(v) for k, v in (data.get("words") or {}).items()})

    def read(self, text: str) -> str | None:
        """The message as the Chinese words it names, or None when it is not English we can read."""
        if any(not c.isascii() for c in text if c.isalpha()):
            return None
        tokens = _WORD.findall(text.lower().replace("’", "'"))
        out: list[str] = []
        known = 0
        i = 0
        while i < len(tokens):
            for n in range(min(LONGEST, len(tokens) - i), 0, -1):
                chinese = self.words.get(" ".join(tokens[i:i + n]))
                if chinese is not None:
                    out.append(chinese)
                    known += 1
                    i += n
                    break
            else:
                if tokens[i].isdigit():
                    out.append(tokens[i])
                i += 1
        longer = sum(1 for t in tokens if len(t) >= 3 and not t.isdigit())
        if known < MIN_KNOWN or known < MIN_SHARE * longer:
            return None
        return " ".join(out)
