"""Bearer tokens for `/api`: issued at login, expiring, revocable. Only a SHA-256 digest is stored."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from extensions import db
from models import ApiToken, Staff
from services import NotFound, PermissionDenied, audit

NOT_FOUND = "令牌不存在"
TOUCH_EVERY = timedelta(minutes=5)   # last_used_at is refreshed at most this often (no write per request)
NOT_YOURS = "只能吊销自己的令牌（管理员除外）"


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def issue(*, staff: Staff, now: datetime, hours: int, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `staff`, valid `hours`; returns the row and the plain token, shown once (caller commits)."""
    plain = secrets.token_urlsafe(32)
    token = ApiToken(staff_id=staff.id, digest=_digest(plain), label=label[:64], created_at=now,
                     expires_at=now + timedelta(hours=hours))
    db.session.add(token)
    db.session.flush()
    audit.record(actor=staff, action="token.issue", obj_type="api_token", obj_id=token.id,
                 after={"label": token.label, "expires_at": token.expires_at}, now=now)
    return token, plain


def resolve(*, plain: str, now: datetime) -> Staff | None:
    """The active staff member behind a usable token, or None (unknown, expired, revoked, deactivated).

    Refreshes `last_used_at` when it is older than TOUCH_EVERY (caller commits)."""
    if not plain:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(plain)))
    if token is None or not token.usable(now) or not token.staff.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
    return token.staff


def for_staff_query(staff_id: int):
    """A select of one person's tokens, newest first (for pagination)."""
    return select(ApiToken).where(ApiToken.staff_id == staff_id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())


def revoke(*, token_id: int, actor: Staff, now: datetime) -> ApiToken:
    """Revoke a token (one's own, or anyone's for an admin); revoking twice is a no-op (caller commits)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(NOT_FOUND, field="token_id")
    if token.staff_id != actor.id and not actor.is_admin:
        raise PermissionDenied(NOT_YOURS)
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(actor=actor, action="token.revoke", obj_type="api_token", obj_id=token.id,
                     after={"staff_id": token.staff_id}, now=now)
    return token


def all_query(staff_id: int | None = None):
    """A select of everyone's tokens (or one person's), newest first: for admins, who revoke anyone's."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return query if staff_id is None else query.where(ApiToken.staff_id == staff_id)


def revoke_all(*, staff_id: int, actor, now: datetime) -> int:
    """Revoke every usable token of one person (password change or reset); returns how many (caller commits)."""
    live = list(db.session.scalars(select(ApiToken).where(ApiToken.staff_id == staff_id,
                                                          ApiToken.revoked_at.is_(None))))
    for token in live:
        token.revoked_at = now
    if live:
        audit.record(actor=actor, action="token.revoke_all", obj_type="staff", obj_id=staff_id,
                     after={"tokens": len(live)}, now=now)
    return len(live)


def revoke_plain(*, plain: str, now: datetime) -> None:
    """Revoke the token presented (API logout)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(plain)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = now
        audit.record(actor=token.staff, action="token.revoke", obj_type="api_token", obj_id=token.id,
                     after={"staff_id": token.staff_id}, now=now)
