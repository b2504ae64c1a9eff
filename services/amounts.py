"""Money as consumers type it in chat: `128`, `58.5`, `￥58.5`, `一百`, `一百五十块`, `1千2`, `五十八块五`, `两百元左右`,
`两百来块`, `大概两百多` (an amount about which the consumer is unsure is taken at its round figure).

Chinese numerals are read by cn2an (a maintained converter), never by hand; this module only peels off what
surrounds the number (currency signs, 元/块, 毛/角, 左右) and splits yuan from jiao.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import cn2an

MAX = Decimal("10000000000")                     # Numeric(12, 2) holds up to 9,999,999,999.99
_NOISE = re.compile(r"[\s,，¥￥]|人民币|大概|大约|约|左右|差不多|将近|钱$|(?<=[\d十百千万])(来|多|出头)(?=块|元|圆|$)")
_YUAN = re.compile(r"^(?P<yuan>.+?)(?:块|元|圆)(?P<jiao>[^毛角]*)(?:毛|角)?$")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _number(text: str) -> Decimal:
    if _DIGITS.fullmatch(text):
        return Decimal(text)
    return Decimal(str(cn2an.cn2an(text, "smart")))


def parse(value: str) -> Decimal | None:
    """The amount in yuan, or None when the text is not an amount (the caller says what to type)."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", value or "").strip())
    if not text:
        return None
    match = _YUAN.match(text)
    try:
        if match:
            amount = _number(match.group("yuan"))
            if match.group("jiao"):
                jiao = _number(match.group("jiao"))
                if not 0 <= jiao < 10:
                    return None
                amount += jiao / 10
        else:
            amount = _number(text)
    except (ValueError, InvalidOperation, KeyError, IndexError, TypeError):
        return None
    if amount < 0 or amount >= MAX or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount
