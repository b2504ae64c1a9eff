"""Evidence photos: fetched from WeChat's media API as they arrive and kept in the database.

WeChat keeps temporary media for 3 days (media doc). A failed fetch is stored as PENDING with its error and retried
by the scheduler (`retry_pending`) until it succeeds or the 3 days have passed (then LOST) — shown to staff either
way, never dropped. Photos belong to an intake until its case is filed; unfiled ones are purged after a week.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import logs
from extensions import db
from models.evidence import EvidencePhoto, PhotoStatus
from services import DeliveryError, QuotaExceeded

log = logs.get(__name__)

Fetch = Callable[[str], tuple[bytes, str]]
MEDIA_LIFETIME = timedelta(days=3)          # WeChat temporary media (media doc)
INVALID_MEDIA = 40007                        # WeChat no longer has the media_id: retrying cannot help
DRAFT_LIFETIME = timedelta(days=7)
MAX_PHOTOS = 9
MAX_BYTES = 10 * 1024 * 1024
STATUS_LABELS = {PhotoStatus.STORED: "已保存", PhotoStatus.PENDING: "获取失败，重试中", PhotoStatus.LOST: "已无法获取"}

TOO_MANY = "最多可以上传 {n} 张照片，请回复“完成”继续。"


def count(*, openid: str, intake_token: str) -> int:
    return db.session.scalar(select(func.count()).select_from(EvidencePhoto).where(
        EvidencePhoto.openid == openid, EvidencePhoto.intake_token == intake_token)) or 0


def _fetch_into(photo: EvidencePhoto, fetch: Fetch, now: datetime) -> None:
    photo.attempts += 1
    try:
        data, content_type = fetch(photo.media_id)
    except DeliveryError as exc:
        photo.last_error = f"errcode {exc.errcode}" if exc.errcode is not None else type(exc).__name__
        gone = exc.errcode == INVALID_MEDIA or now - photo.created_at >= MEDIA_LIFETIME
        photo.status = PhotoStatus.LOST if gone else PhotoStatus.PENDING
        log.warning("evidence fetch failed", photo=photo.id, errcode=exc.errcode, attempts=photo.attempts)
        return
    photo.data, photo.size = data[:MAX_BYTES], min(len(data), MAX_BYTES)
    photo.content_type = (content_type or "image/jpeg")[:64]
    photo.status, photo.fetched_at, photo.last_error = PhotoStatus.STORED, now, None


def attach(*, openid: str, intake_token: str, media_id: str, fetch: Fetch, now: datetime) -> EvidencePhoto:
    """Record a photo of an intake and fetch it now; a failed fetch is kept for the retry job (caller commits)."""
    existing = db.session.scalar(select(EvidencePhoto).where(EvidencePhoto.intake_token == intake_token,
                                                             EvidencePhoto.media_id == media_id))
    if existing is not None:
        return existing
    if count(openid=openid, intake_token=intake_token) >= MAX_PHOTOS:
        raise QuotaExceeded(TOO_MANY.format(n=MAX_PHOTOS))
    photo = EvidencePhoto(openid=openid, intake_token=intake_token, media_id=media_id[:128],
                          status=PhotoStatus.PENDING, created_at=now, attempts=0)
    db.session.add(photo)
    try:
        db.session.flush()
    except IntegrityError:                      # the same image delivered twice at once
        db.session.rollback()
        found = db.session.scalar(select(EvidencePhoto).where(EvidencePhoto.intake_token == intake_token,
                                                              EvidencePhoto.media_id == media_id))
        assert found is not None
        return found
    _fetch_into(photo, fetch, now)
    return photo


def retry_pending(*, now: datetime, fetch: Fetch, limit: int = 100) -> int:
    """Fetch again every photo whose fetch failed; returns how many are now stored (the caller commits)."""
    rows = db.session.scalars(select(EvidencePhoto).where(EvidencePhoto.status == PhotoStatus.PENDING)
                              .order_by(EvidencePhoto.id).limit(limit)).all()
    stored = 0
    for photo in rows:
        _fetch_into(photo, fetch, now)
        stored += photo.status == PhotoStatus.STORED
    db.session.flush()
    return stored


def purge_drafts(*, now: datetime) -> int:
    """Delete photos of intakes never filed (cancelled or abandoned) after DRAFT_LIFETIME (the caller commits)."""
    n = db.session.query(EvidencePhoto).filter(EvidencePhoto.case_id.is_(None),
                                               EvidencePhoto.created_at < now - DRAFT_LIFETIME) \
        .delete(synchronize_session=False)
    return n


def maintain(*, now: datetime, fetch: Fetch) -> tuple[int, int]:
    """The scheduler's pass: (photos fetched on retry, unfiled photos purged)."""
    return retry_pending(now=now, fetch=fetch), purge_drafts(now=now)


def get(photo_id: int) -> EvidencePhoto | None:
    return db.session.get(EvidencePhoto, photo_id) if 0 < photo_id <= 2**31 - 1 else None
