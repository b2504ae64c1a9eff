"""QR scenes (`models.scene`): staff name each parametric QR code's key and choose what a scan starts; the chat reads
them by key. Services add to the session and audit; the caller commits.

A key is what WeChat's QR-code API was given as `scene_str` (1–64 characters) or `scene_id` (a number); letters,
digits, `_`, `-` and `.` are accepted; `bind_…` belongs to staff binding codes (`services.staff_binding`). A scene
that is switched off, or a key no one named, greets the consumer without a label — the raw key is never shown in chat.
`make_code` asks WeChat for the scene's permanent QR code (QR_LIMIT_STR_SCENE; the account may hold 100,000) and
keeps its ticket, whose image WeChat serves at `staff_binding.SHOW_QR`.
"""
from __future__ import annotations

import re
from urllib.parse import quote
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from extensions import db
from models import Follower, QrScene
from models.scene import SceneAction
import logs
from services import Conflict, DeliveryError, Invalid, NotFound, audit, staff_binding

log = logs.get(__name__)

KEY_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
LABEL_MAX, NAME_MAX, ADDRESS_MAX = 40, 100, 200
BAD_KEY = "场景代码只能用英文字母、数字、下划线、短横线或点，最多 64 个字符"
KEY_TAKEN = "场景代码「{key}」已经有了，请直接编辑它"
KEY_RESERVED = f"以“{staff_binding.SCENE_PREFIX}”开头的代码留给工作人员绑定微信用，请换一个"
QR_FAILED = "生成二维码失败（微信接口返回错误），请稍后再试。"
NO_LABEL = "请填写用户看到的场景名称"
LABEL_TOO_LONG = f"场景名称最多 {LABEL_MAX} 个字"
BAD_ACTION = "请选择扫码后开始的事情"
NAME_TOO_LONG = f"商家名称最多 {NAME_MAX} 个字"
ADDRESS_TOO_LONG = f"商家地址最多 {ADDRESS_MAX} 个字"
BUSINESS_ONLY_FOR_FORMS = "只有“开始投诉登记”或“开始举报登记”可以预填商家"
NOT_FOUND = "场景不存在"
FORMS = frozenset({SceneAction.COMPLAINT, SceneAction.REPORT})


def all_scenes() -> list[QrScene]:
    return list(db.session.scalars(select(QrScene).order_by(QrScene.key)))


def get(scene_id: int) -> QrScene:
    scene = db.session.get(QrScene, scene_id)
    if scene is None:
        raise NotFound(NOT_FOUND, field="scene_id")
    return scene


def find(key: str | None) -> QrScene | None:
    """The switched-on scene for a scanned key, or None (unknown, off, or no key at all)."""
    if not key:
        return None
    return db.session.scalar(select(QrScene).where(QrScene.key == key.strip(), QrScene.active))


def followers_by_scene() -> dict[str, int]:
    """How many current followers came in through each scene key (their last follow or scan)."""
    rows = db.session.execute(select(Follower.scene, func.count()).where(Follower.subscribed,
                                                                         Follower.scene.is_not(None))
                              .group_by(Follower.scene)).all()
    return {scene: n for scene, n in rows}


def snapshot(scene: QrScene) -> dict:
    return {"key": scene.key, "label": scene.label, "action": str(scene.action), "active": scene.active,
            "business_name": scene.business_name, "business_address": scene.business_address}


def _clean(*, label: str, action: str, business_name: str | None, business_address: str | None
           ) -> tuple[str, SceneAction, str | None, str | None]:
    label = (label or "").strip()
    if not label:
        raise Invalid(NO_LABEL, field="label")
    if len(label) > LABEL_MAX:
        raise Invalid(LABEL_TOO_LONG, field="label")
    try:
        chosen = SceneAction(action)
    except ValueError:
        raise Invalid(BAD_ACTION, field="action") from None
    name, address = (business_name or "").strip() or None, (business_address or "").strip() or None
    if name and len(name) > NAME_MAX:
        raise Invalid(NAME_TOO_LONG, field="business_name")
    if address and len(address) > ADDRESS_MAX:
        raise Invalid(ADDRESS_TOO_LONG, field="business_address")
    if (name or address) and chosen not in FORMS:
        raise Invalid(BUSINESS_ONLY_FOR_FORMS, field="business_name")
    return label, chosen, name, address


def create(*, key: str, label: str, action: str, business_name: str | None = None,
           business_address: str | None = None, active: bool = True, actor, now: datetime) -> QrScene:
    """Name a new scene key (caller commits)."""
    key = (key or "").strip()
    if not KEY_RE.match(key):
        raise Invalid(BAD_KEY, field="key")
    if staff_binding.is_bind_scene(key):
        raise Invalid(KEY_RESERVED, field="key")
    if db.session.scalar(select(QrScene.id).where(QrScene.key == key)) is not None:
        raise Conflict(KEY_TAKEN.format(key=key), field="key")
    label, chosen, name, address = _clean(label=label, action=action, business_name=business_name,
                                          business_address=business_address)
    scene = QrScene(key=key, label=label, action=chosen, business_name=name, business_address=address,
                    active=active, updated_at=now, updated_by=_who(actor))
    db.session.add(scene)
    db.session.flush()
    audit.record(actor=actor, action="scene.create", obj_type="scene", obj_id=scene.id, after=snapshot(scene),
                 now=now)
    return scene


def update(*, scene_id: int, label: str, action: str, business_name: str | None = None,
           business_address: str | None = None, active: bool = True, actor, now: datetime) -> QrScene:
    """Change what a scene shows and starts; its key stays, as printed codes carry it (caller commits)."""
    scene = get(scene_id)
    label, chosen, name, address = _clean(label=label, action=action, business_name=business_name,
                                          business_address=business_address)
    before = snapshot(scene)
    scene.label, scene.action, scene.business_name, scene.business_address = label, chosen, name, address
    scene.active, scene.updated_at, scene.updated_by = active, now, _who(actor)
    old, new = audit.changed(before, snapshot(scene))
    if new:
        audit.record(actor=actor, action="scene.update", obj_type="scene", obj_id=scene.id, before=old, after=new,
                     now=now)
    return scene


def make_code(*, scene_id: int, actor, now: datetime, create_qr: Callable[[dict], dict]) -> QrScene:
    """Get the scene's permanent QR code from WeChat and keep its ticket (caller commits). `create_qr(body)` posts
    to qrcode/create and raises DeliveryError; that becomes a Conflict with the reason, nothing kept."""
    scene = get(scene_id)
    body = {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene.key}}}
    try:
        result = create_qr(body)
    except DeliveryError as exc:
        log.warning("qrcode create failed", errcode=exc.errcode)
        raise Conflict(QR_FAILED) from exc
    ticket = str(result.get("ticket") or "")[:255]
    if not ticket:
        raise Conflict(QR_FAILED)
    scene.ticket = ticket
    audit.record(actor=actor, action="scene.qrcode", obj_type="scene", obj_id=scene.id, now=now)
    return scene


def image_url(scene: QrScene) -> str | None:
    return staff_binding.SHOW_QR.format(ticket=quote(scene.ticket, safe="")) if scene.ticket else None


def _who(actor) -> str:
    return (getattr(actor, "username", None) or str(actor or "system"))[:64]
