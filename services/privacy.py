"""Masking of personal data for lists, exports, logs-free displays and viewers: phone, name, address, openid."""
from __future__ import annotations

import re


def mask_phone(phone: str | None) -> str:
    """138****5678; landlines keep the area code and the last 2 digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:4]}****{digits[-2:]}"
    return "****"


def mask_name(name: str | None) -> str:
    """张* / 欧阳** : keep the first character."""
    if not name:
        return ""
    name = name.strip()
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_address(address: str | None) -> str:
    """Keep the first 6 characters (county, town), hide the rest."""
    if not address:
        return ""
    address = address.strip()
    return address if len(address) <= 6 else address[:6] + "****"


def mask_openid(openid: str | None) -> str:
    if not openid:
        return ""
    return openid[:4] + "…" + openid[-4:] if len(openid) > 10 else "****"


_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:1\d{2}[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-?\d{7,8}|\d{7,8})(?!\d)")


def mask_phones_in(text: str | None) -> str:
    """Free text a consumer typed, with any phone number in it masked (mobile, landline with or without code)."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text or "")
