"""Named values: the menu keys are one StrEnum checked against the default menu and the features at start."""
from __future__ import annotations

import copy

import pytest

import handlers
from handlers import menu, menu_keys
from handlers.menu_keys import MenuKey


def test_every_default_menu_key_is_a_menu_key_answered_by_an_entry():
    """The default menu's click keys are exactly the MenuKey values, each answered by a feature entry."""
    on_menu = menu_keys.menu_keys(menu.DEFAULT_MENU)
    assert sorted(on_menu) == sorted(MenuKey)
    assert set(menu_keys.answered_keys(handlers.FEATURES)) == set(on_menu)
    menu_keys.check(menu.DEFAULT_MENU, handlers.FEATURES)


def test_a_menu_key_nothing_answers_fails_at_start_naming_it():
    """A button whose key is not a MenuKey stops the app at start, with the key in the message."""
    changed = copy.deepcopy(menu.DEFAULT_MENU)
    changed["button"][0]["sub_button"].append({"type": "click", "name": "问卷", "key": "SURVEY"})
    with pytest.raises(RuntimeError, match="'SURVEY'"):
        menu_keys.check(changed, handlers.FEATURES)


def test_a_feature_key_missing_from_the_menu_fails_at_start_naming_it():
    """A feature that listens for a key the menu no longer has stops the app at start, with the key named."""
    changed = copy.deepcopy(menu.DEFAULT_MENU)
    changed["button"][2]["sub_button"] = [b for b in changed["button"][2]["sub_button"] if b["key"] != "CONTACT"]
    with pytest.raises(RuntimeError, match="'CONTACT'"):
        menu_keys.check(changed, handlers.FEATURES)
