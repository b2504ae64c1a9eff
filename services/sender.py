"""The Sender protocol: how a service reaches a follower without importing the transport.

`bot/client.py` implements it over the WeChat API; `app.py` wires it; tests hand the same implementation pointed at
the `sim/` fake API. Every method raises a `services.DeliveryError` subclass on failure.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Sender(Protocol):
    # The account's configured template / subscription-message ids by purpose ("case_status", ...); a purpose
    # without an id is absent, and the notice then falls back to the next channel.
    templates: Mapping[str, str]

    def ready(self) -> None:
        """Raise `NotSent` unless a request could leave now (the access token is at hand)."""

    def text(self, openid: str, content: str) -> None:
        """Customer-service text message (needs the 48-hour window)."""

    def news(self, openid: str, *, title: str, description: str, url: str, image: str = "") -> None:
        """Customer-service single-article message (needs the 48-hour window)."""

    def template(self, openid: str, *, template_id: str, data: dict[str, str], url: str | None = None) -> str:
        """Template message; returns WeChat's msgid."""

    def subscription(self, openid: str, *, template_id: str, data: dict[str, str], page: str | None = None) -> None:
        """Subscription notification (bizsend)."""

    def mass_text(self, *, content: str, openids: list[str] | None = None, tag_id: int | None = None,
                  client_msg_id: str | None = None) -> str:
        """Mass send to a list of openids, a tag, or everyone; returns WeChat's msg_id."""

    def follower_list(self) -> tuple[int, list[str]]:
        """Every follower's openid as WeChat lists them (user/get); returns (total, openids)."""

    def mass_preview(self, openid: str, *, content: str) -> str:
        """Preview a mass message to one (staff) openid; no quota is used."""
