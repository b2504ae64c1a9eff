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
