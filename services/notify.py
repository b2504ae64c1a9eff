"""Reach one follower with a notice by the best channel WeChat allows, and record every attempt.

Order (DESIGN §4): a customer-service message inside the 48-hour window; otherwise a template message (when the
feature has a configured template); otherwise a subscription notification (when given); otherwise the notice is kept
and shown the next time the follower writes (`services.notices`). Nothing is silently dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import logs
from extensions import db
from models import DeliveryAttempt
from services import DeliveryError, followers, notices
from services.sender import Sender

log = logs.get(__name__)


@dataclass(frozen=True)
class Template:
    """A template or subscription message: WeChat's template id and its keyword data."""

    template_id: str
    data: dict[str, str]
    url: str | None = None


def _record(openid: str, source: str, channel: str, ok: bool, errcode: int | None, now: datetime) -> None:
    db.session.add(DeliveryAttempt(openid=openid, source=source[:64], channel=channel, ok=ok, errcode=errcode,
                                   at=now))


def reach(*, openid: str, text: str, source: str, now: datetime, sender: Sender,
          template: Template | None = None, subscription: Template | None = None) -> str:
    """Deliver `text` to `openid`; returns the channel that carried it (`deferred` when kept for later).

    The caller commits (attempts are written in its transaction)."""
    follower = followers.get(openid)
    if follower is not None and not follower.subscribed:
        _record(openid, source, "skipped", False, 43004, now)
        return "skipped"
    if followers.in_service_window(follower, now):
        try:
            sender.text(openid, text)
            _record(openid, source, "custom", True, None, now)
            return "custom"
        except DeliveryError as exc:
            _record(openid, source, "custom", False, exc.errcode, now)
    if template is not None and template.template_id:
        try:
            sender.template(openid, template_id=template.template_id, data=template.data, url=template.url)
            _record(openid, source, "template", True, None, now)
            return "template"
        except DeliveryError as exc:
            _record(openid, source, "template", False, exc.errcode, now)
    if subscription is not None and subscription.template_id:
        try:
            sender.subscription(openid, template_id=subscription.template_id, data=subscription.data)
            _record(openid, source, "subscription", True, None, now)
            return "subscription"
        except DeliveryError as exc:
            _record(openid, source, "subscription", False, exc.errcode, now)
    notices.defer(openid=openid, text=text, source=source, now=now)
    _record(openid, source, "deferred", True, None, now)
    log.info("notice deferred to next message", source=source)
    return "deferred"
