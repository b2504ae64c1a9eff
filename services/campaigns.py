"""Campaigns (e.g. 2027年3·15): create one with its dates and departments (and correct them later), write its 总结 and 动态信息, attach photos
with captions (影像资料). Every change is audited; the caller commits. The report itself is `campaign_report`."""
from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image
from sqlalchemy import select

from extensions import db
from models import Department
from models.campaign import Campaign, CampaignPhoto
from services import Conflict, Invalid, NotFound, audit

NOT_FOUND = "没有找到这个活动"
PHOTO_NOT_FOUND = "没有找到这张照片"
NAME_NEEDED = "请填写活动名称"
NAME_TAKEN = "已有同名活动「{name}」"
DATES_ORDER = "结束日期不能早于开始日期"
SPAN_TOO_LONG = "活动期限不能超过一年"
UNKNOWN_DEPARTMENT = "所选部门不存在"
TEXT_TOO_LONG = "「{label}」不能超过{limit}字"
CAPTION_NEEDED = "请为照片写一句说明（时间、地点、做了什么）"
NOT_AN_IMAGE = "只能上传 JPEG 或 PNG 照片"
PHOTO_TOO_BIG = "照片不能超过 {mb} MB，请压缩后再上传"
TOO_MANY_PHOTOS = "每个活动最多 {n} 张照片"

TEXT_LIMIT = 20000
PHOTO_LIMIT_MB = 8
MAX_PHOTOS = 60
IMAGE_TYPES = {"image/jpeg", "image/png"}


def get(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(NOT_FOUND)
    return campaign


def listing() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())))


def _actor(by: Any) -> str:
    return (getattr(by, "username", None) or str(by or "system"))[:64]


def _checked(*, name: str, starts_on: date, ends_on: date, department_ids: list[int],
             campaign_id: int | None = None) -> tuple[str, list[int]]:
    """The name and department ids to store, or Invalid/Conflict naming the field (create and update alike)."""
    name = name.strip()[:64]
    if not name:
        raise Invalid(NAME_NEEDED, field="name")
    if ends_on < starts_on:
        raise Invalid(DATES_ORDER, field="ends_on")
    if (ends_on - starts_on).days > 366:
        raise Invalid(SPAN_TOO_LONG, field="ends_on")
    same = db.session.scalar(select(Campaign.id).where(Campaign.name == name))
    if same is not None and same != campaign_id:
        raise Conflict(NAME_TAKEN.format(name=name), field="name")
    ids = sorted(set(department_ids))
    if ids and len(db.session.scalars(select(Department.id).where(Department.id.in_(ids))).all()) != len(ids):
        raise Invalid(UNKNOWN_DEPARTMENT, field="department_ids")
    return name, ids


def create(*, name: str, starts_on: date, ends_on: date, department_ids: list[int], by: Any,
           now: datetime) -> Campaign:
    """A new campaign (audited; caller commits)."""
    name, ids = _checked(name=name, starts_on=starts_on, ends_on=ends_on, department_ids=department_ids)
    campaign = Campaign(name=name, starts_on=starts_on, ends_on=ends_on, department_ids=ids, summary="", news="",
                        created_by=_actor(by), created_at=now, updated_at=now)
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor=by, action="campaign.create", obj_type="campaign", obj_id=campaign.id, now=now,
                 after={"name": name, "starts_on": starts_on, "ends_on": ends_on, "departments": ids})
    return campaign


def update(*, campaign_id: int, name: str, starts_on: date, ends_on: date, department_ids: list[int], by: Any,
           now: datetime) -> Campaign:
    """Correct a campaign's name, dates or departments: checked as at creation, nothing changed when refused, the
    changed fields audited as `campaign.update` (caller commits). The report follows the new dates at once."""
    campaign = get(campaign_id)
    name, ids = _checked(name=name, starts_on=starts_on, ends_on=ends_on, department_ids=department_ids,
                         campaign_id=campaign.id)
    before = {"name": campaign.name, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
              "departments": sorted(campaign.department_ids or [])}
    after = {"name": name, "starts_on": starts_on, "ends_on": ends_on, "departments": ids}
    old, new = audit.changed(before, after)
    if not new:
        return campaign
    campaign.name, campaign.starts_on, campaign.ends_on, campaign.department_ids = name, starts_on, ends_on, ids
    campaign.updated_at = now
    audit.record(actor=by, action="campaign.update", obj_type="campaign", obj_id=campaign.id, now=now,
                 before=old, after=new)
    db.session.flush()
    return campaign


def write(*, campaign_id: int, summary: str, news: str, by: Any, now: datetime) -> Campaign:
    """Save the staff-written 总结 and 动态信息 (audited; caller commits)."""
    campaign = get(campaign_id)
    for label, text in (("总结", summary), ("动态信息", news)):
        if len(text) > TEXT_LIMIT:
            raise Invalid(TEXT_TOO_LONG.format(label=label, limit=TEXT_LIMIT), field="summary")
    before = {"summary": len(campaign.summary), "news": len(campaign.news)}
    campaign.summary, campaign.news, campaign.updated_at = summary.strip(), news.strip(), now
    audit.record(actor=by, action="campaign.write", obj_type="campaign", obj_id=campaign.id, now=now,
                 before=before, after={"summary": len(campaign.summary), "news": len(campaign.news)})
    db.session.flush()
    return campaign


def add_photo(*, campaign_id: int, data: bytes, caption: str, by: Any, now: datetime) -> CampaignPhoto:
    """Keep an uploaded photo with its caption. Only what python-docx can place in the report is accepted (JPEG,
    PNG, read from the bytes themselves, not from the file name)."""
    campaign = get(campaign_id)
    caption = caption.strip()[:200]
    if not caption:
        raise Invalid(CAPTION_NEEDED, field="caption")
    if len(data) > PHOTO_LIMIT_MB * 1024 * 1024:
        raise Invalid(PHOTO_TOO_BIG.format(mb=PHOTO_LIMIT_MB), field="photo")
    if len(campaign.photos) >= MAX_PHOTOS:
        raise Conflict(TOO_MANY_PHOTOS.format(n=MAX_PHOTOS), field="photo")
    try:
        content_type = Image.from_blob(data).content_type if data else ""
    except (UnrecognizedImageError, ValueError, IndexError, KeyError) as exc:
        raise Invalid(NOT_AN_IMAGE, field="photo") from exc
    if content_type not in IMAGE_TYPES:
        raise Invalid(NOT_AN_IMAGE, field="photo")
    photo = CampaignPhoto(campaign_id=campaign.id, caption=caption, content_type=content_type, size=len(data),
                          data=data, uploaded_by=_actor(by), uploaded_at=now)
    db.session.add(photo)
    db.session.flush()
    audit.record(actor=by, action="campaign.photo.add", obj_type="campaign", obj_id=campaign.id, now=now,
                 after={"photo": photo.id, "caption": caption, "size": len(data)})
    return photo


def photo(*, campaign_id: int, photo_id: int) -> CampaignPhoto:
    found = db.session.get(CampaignPhoto, photo_id)
    if found is None or found.campaign_id != campaign_id:
        raise NotFound(PHOTO_NOT_FOUND)
    return found


def remove_photo(*, campaign_id: int, photo_id: int, by: Any, now: datetime) -> None:
    found = photo(campaign_id=campaign_id, photo_id=photo_id)
    audit.record(actor=by, action="campaign.photo.delete", obj_type="campaign", obj_id=campaign_id, now=now,
                 before={"photo": found.id, "caption": found.caption})
    db.session.delete(found)


def stream(found: CampaignPhoto) -> BytesIO:
    return BytesIO(found.data)
