"""The audit trail: `record(...)` adds one append-only event to the caller's transaction.

Call it inside the service that makes the change, before the caller commits, so the change and its record are
written together or not at all. Personal fields in `before`/`after` are masked by their key (MASKS); a feature
with other personal keys passes `mask={"buyer_tel": "phone"}`. Secrets (passwords, tokens) are never stored.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from extensions import db
from models import AuditEvent
from services import privacy

SECRET = "***"

MASKERS: dict[str, Callable[[Any], str]] = {
    "phone": lambda v: privacy.mask_phone(str(v)),
    "name": lambda v: privacy.mask_name(str(v)),
    "address": lambda v: privacy.mask_address(str(v)),
    "openid": lambda v: privacy.mask_openid(str(v)),
    "secret": lambda v: SECRET,
}

# Keys that hold personal data or secrets anywhere in the project, and how each is masked.
MASKS: dict[str, str] = {
    "phone": "phone", "mobile": "phone", "tel": "phone", "contact_phone": "phone", "consumer_phone": "phone",
    "reporter_phone": "phone", "complainant_phone": "phone",
    "real_name": "name", "contact_name": "name", "consumer_name": "name", "reporter_name": "name",
    "complainant_name": "name", "person_name": "name",
    "address": "address", "contact_address": "address", "consumer_address": "address", "home_address": "address",
    "openid": "openid", "from_openid": "openid",
    "id_number": "secret", "id_card": "secret", "password": "secret", "password_hash": "secret",
    "token": "secret", "digest": "secret",
}


def mask(values: Mapping[str, Any] | None, extra: Mapping[str, str] | None = None) -> dict | None:
    """A JSON-safe copy of `values` with personal fields masked (nested mappings too)."""
    if values is None:
        return None
    rules = MASKS | dict(extra or {})
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            out[key] = mask(value, extra)
        elif key in rules and value not in (None, ""):
            out[key] = MASKERS[rules[key]](value)
        else:
            out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):   # stored naive UTC; written with its zone so no reader guesses China time
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record(*, actor: Any, action: str, obj_type: str, obj_id: Any, before: Mapping | None = None,
           after: Mapping | None = None, now: datetime, mask_fields: Mapping[str, str] | None = None
           ) -> AuditEvent:
    """Add an audit event to the session (the caller commits). `actor` is a Staff, or a label like "cli"."""
    actor_id = getattr(actor, "id", None)
    actor_name = getattr(actor, "username", None) or str(actor or "system")
    event = AuditEvent(at=now, actor_id=actor_id, actor_name=actor_name[:64], action=action[:64],
                       object_type=obj_type[:32], object_id=str(obj_id)[:64],
                       before=mask(before, mask_fields), after=mask(after, mask_fields))
    db.session.add(event)
    return event


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose value differs, as (before, after): what an update record should hold."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
