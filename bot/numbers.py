"""Numbers as people type them in chat: `1 3 5`, `1，3、5`, full-width `１３`, circled `①③`, `第二个`, `二`.

Every numbered menu (a form's 修改 list, a poll question, the 您是不是想问 choices) reads its answer here, so a number
is understood the same way everywhere. Chinese numerals go through cn2an, a maintained converter.
"""
from __future__ import annotations

import re
import unicodedata

import cn2an

# Circled and parenthesised digits are single characters; NFKC would turn ①③ into "13", so they become separate
# numbers first. ①–⑳ U+2460, ⑴–⒇ U+2474, ⒈–⒛ U+2488, ❶–❿ U+2776, ➀–➉ U+2780, ➊–➓ U+278A, ⓫–⓴ U+24EB.
_CIRCLED = {**{chr(0x2460 + i): i + 1 for i in range(20)}, **{chr(0x2474 + i): i + 1 for i in range(20)},
            **{chr(0x2488 + i): i + 1 for i in range(20)}, **{chr(0x2776 + i): i + 1 for i in range(10)},
            **{chr(0x2780 + i): i + 1 for i in range(10)}, **{chr(0x278A + i): i + 1 for i in range(10)},
            **{chr(0x24EB + i): i + 11 for i in range(10)}, "⓪": 0, "⓿": 0}
_SEPARATORS = re.compile(r"[\s,，、;；/.。+和及与跟还有以及]+")
# "我选…", "俺要…", "投…": the words before the picks
_LABEL_LEAD = re.compile(r"^(我|俺)?(想|要|就)?(选|要|投)(了)?")
_ONE = re.compile(r"^第?([0-9]{1,3}|[零〇一二两三四五六七八九十]{1,3})(?:个|条|项|号|种|步|题)?$")


def _plain(text: str) -> str:
    spaced = "".join(f" {_CIRCLED[c]} " if c in _CIRCLED else c for c in text or "")
    return unicodedata.normalize("NFKC", spaced).strip().strip("。.!！").removesuffix("吧").removesuffix("呀")


def _value(token: str) -> int | None:
    match = _ONE.match(token)
    if not match:
        return None
    word = match.group(1)
    if word.isdigit():
        return int(word)
    try:
        return int(cn2an.cn2an(word, "smart"))
    except ValueError:
        return None


def parse_numbers(text: str) -> list[int] | None:
    """`1 3 5`, `1,3,5`, `1、3、5`, `①③`, `１，３`, `二和三`, `我选第一个和第三个` → [1, 3, 5] (duplicates dropped); None
    when the text is not a list of numbers."""
    parts = [p for p in _SEPARATORS.split(_LABEL_LEAD.sub("", _plain(text))) if p]
    values = [_value(p) for p in parts]
    if not values or any(v is None for v in values):
        return None
    return list(dict.fromkeys(v for v in values if v is not None))


_LABEL_SEPARATORS = re.compile(r"[\s,，、;；/。+]+|和|跟|与|及|还有|以及")


def parse_labels(text: str, labels: list[str]) -> list[int] | None:
    """Options picked by their names, as people type them ("牛奶 鸡蛋", "大米和猪肉", "选超市") → their 1-based
    positions in `labels`, in the order typed. A whole name counts first ("牛奶及乳制品", though 及 also separates
    names); any other part must be part of exactly one name ("牛奶" for 牛奶及乳制品). None unless every part is."""
    plain = _LABEL_LEAD.sub("", unicodedata.normalize("NFKC", text or "").strip().strip("。.!！")).lower()
    position = {label.strip().lower(): n for n, label in enumerate(labels, start=1) if label.strip()}
    picked: list[tuple[int, int]] = []          # (where it was typed, option)
    rest = plain
    for name in sorted(position, key=len, reverse=True):
        while name in rest:
            picked.append((rest.index(name), position[name]))
            rest = rest.replace(name, " " * len(name), 1)
    for part in _LABEL_SEPARATORS.finditer(rest):
        rest = rest[:part.start()] + " " * (part.end() - part.start()) + rest[part.end():]
    for word in re.finditer(r"\S+", rest):
        options = [n for name, n in position.items() if word.group() in name]
        if len(options) != 1:
            return None
        picked.append((word.start(), options[0]))
    if not picked:
        return None
    return list(dict.fromkeys(n for _, n in sorted(picked)))


def parse_choice(text: str) -> int | None:
    """One number (`2`, `２`, `②`, `第二个`, `二`) → 2; anything else (several numbers, words) → None."""
    numbers = parse_numbers(text)
    return numbers[0] if numbers and len(numbers) == 1 else None
