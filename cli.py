"""CLI commands that belong to no single package: `seed`, `dev`."""
from __future__ import annotations


def init_app(app) -> None:
    pass
