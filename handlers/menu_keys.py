"""The custom menu's click keys: one named value each, checked against the default menu and the features at start.

A key is part of the runtime contract (DESIGN §3): the menu pushed to WeChat sends it back in a CLICK event, and
at least one feature entry answers it (the first in `handlers.FEATURES` order wins). `check` fails the app at start, naming the key, when the menu carries a key
no feature answers, or a feature listens for a key that is not on the menu — the same idea as the console's
start-up check of its navigation links.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class MenuKey(StrEnum):
    QA = "QA"
    COMPLAINT = "COMPLAINT"
    REPORT = "REPORT"
    MY_CASES = "MY_CASES"
    POLL = "POLL"
    RESULTS = "RESULTS"
    WARNINGS = "WARNINGS"
    CASES = "CASES"
    CONTACT = "CONTACT"


def menu_keys(menu: Mapping[str, Any]) -> list[str]:
    """Every click key of a WeChat menu definition, in menu order."""
    found = []
    for button in menu.get("button", []):
        for item in [button, *button.get("sub_button", [])]:
            if item.get("type") == "click":
                found.append(item["key"])
    return found


def answered_keys(features: Iterable[Any]) -> list[str]:
    """Every menu key some feature entry listens for (`Command.keys`, `Flow.keys`)."""
    return [key for feature in features for entry in feature.ENTRIES for key in getattr(entry, "keys", ())]


def check(menu: Mapping[str, Any], features: Iterable[Any]) -> None:
    """Raise RuntimeError naming the first key that is not a MenuKey, not answered, or listened for but not on the
    menu."""
    on_menu, answered = menu_keys(menu), answered_keys(features)
    known = set(MenuKey)
    for key in [*on_menu, *answered]:
        if key not in known:
            raise RuntimeError(f"menu key {key!r} is not a handlers.menu_keys.MenuKey")
    for key in on_menu:
        if key not in answered:
            raise RuntimeError(f"menu key {key!r} is answered by no feature entry")
    for key in answered:
        if key not in on_menu:
            raise RuntimeError(f"feature entry listens for menu key {key!r}, which the default menu does not have")
