"""How a feature moves into the console: one `Feature` value registered with `register_feature`.

A feature declares its page blueprint (mounted at /console/<name>), its API blueprint (a flask-smorest Blueprint,
mounted at /api/<name> and documented in /api/openapi.json), its navigation entries, its dashboard widgets and its
CLI commands. `console.init_app` wires every registered feature into each app it builds.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click
from flask import Blueprint


@dataclass(frozen=True)
class NavItem:
    """A link in the console navigation. `roles` None means every signed-in role may see it."""
    label: str
    endpoint: str
    roles: tuple[str, ...] | None = None
    order: int = 100


@dataclass(frozen=True)
class Widget:
    """A dashboard card: a big count, or a bar chart drawn server-side as SVG.

    `count(staff) -> int` or `chart(staff) -> [(label, value), ...]`; `empty` tells staff what to do when the
    count is 0 or the chart has no data; `endpoint` makes the card a link."""
    title: str
    count: Callable[[Any], int] | None = None
    chart: Callable[[Any], Sequence[tuple[str, int]]] | None = None
    empty: str = "暂无数据"
    endpoint: str | None = None
    args: tuple[tuple[str, str], ...] = ()           # query arguments of the card's link (a filtered list)
    roles: tuple[str, ...] | None = None
    order: int = 100


@dataclass(frozen=True)
class Feature:
    name: str                                    # URL segment: /console/<name>, /api/<name>
    pages: Blueprint | None = None
    api: Any = None                              # flask_smorest.Blueprint
    nav: Sequence[NavItem] = field(default_factory=tuple)
    widgets: Sequence[Widget] = field(default_factory=tuple)
    commands: Sequence[click.Command] = field(default_factory=tuple)


FEATURES: dict[str, Feature] = {}


def register_feature(feature: Feature) -> Feature:
    """Add (or replace, on re-import) a feature; call it at import time of the feature's console module."""
    FEATURES[feature.name] = feature
    return feature


def nav_items(role: str) -> list[NavItem]:
    items = [item for f in FEATURES.values() for item in f.nav if item.roles is None or role in item.roles]
    return sorted(items, key=lambda i: i.order)


def widgets(role: str) -> list[Widget]:
    found = [w for f in FEATURES.values() for w in f.widgets if w.roles is None or role in w.roles]
    return sorted(found, key=lambda w: w.order)
