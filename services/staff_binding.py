"""Staff members bind their own WeChat to their console account by scanning a one-time parametric QR code.

The console asks WeChat for a temporary QR code (`qrcode/create`, QR_STR_SCENE) whose scene is a fresh random
`bind_…` string kept in `staff_bind_codes`; the SCAN event (already following) or subscribe event (following by the
scan) carries the scene back, and the openid that scanned is bound. A code is refused once used or after it
expires. A bound openid is a staff member's: their own messages are never treated as a consumer's (`is_staff`).
"""
from __future__ import annotations

import secrets
import time as clock
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select

import logs
from extensions import db
from models import Staff
from models.inbox import BindCode, StaffWeChat
from services import Conflict, DeliveryError, Invalid, NotFound, audit

log = logs.get(__name__)

SCENE_PREFIX = "bind_"
CODE_MINUTES = 10                   # the QR code and its scene expire together
UNKNOWN = "这个绑定二维码无效，请在工作台「我的微信」重新生成。"
USED = "这个绑定二维码已经用过了，请在工作台重新生成。"
EXPIRED = "这个绑定二维码已过期（有效期{minutes}分钟），请在工作台重新生成。"
TAKEN = "这个微信已绑定到另一个工作人员账号，请先在工作台解绑。"
QR_FAILED = "生成二维码失败（微信接口返回错误），请稍后再试。"
NOT_BOUND = "您还没有绑定微信"
# WeChat shows a QR ticket's image at this address (qrcode doc: showqrcode?ticket=).
SHOW_QR = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket={ticket}"

_CACHE_SECONDS = 10.0               # another process's new binding is seen within this long
_cache: dict[str, object] = {"key": None, "at": 0.0, "openids": frozenset()}


def is_bind_scene(scene: str) -> bool:
    return scene.startswith(SCENE_PREFIX)


def new_code(*, staff: Staff, now: datetime, create_qr: Callable[[dict], dict]) -> BindCode:
    """Make a single-use scene and its QR code. `create_qr(body)` posts to qrcode/create (raises DeliveryError)."""
    scene = SCENE_PREFIX + secrets.token_urlsafe(18)
    body = {"expire_seconds": CODE_MINUTES * 60, "action_name": "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene}}}
    try:
        result = create_qr(body)
    except DeliveryError as exc:
        log.warning("qrcode create failed", errcode=exc.errcode)
        raise Conflict(QR_FAILED) from exc
    code = BindCode(scene=scene, staff_id=staff.id, ticket=str(result.get("ticket", ""))[:255], created_at=now,
                    expires_at=now + timedelta(minutes=CODE_MINUTES))
    db.session.add(code)
    db.session.flush()
    audit.record(actor=staff, action="wechat.bind_code", obj_type="staff", obj_id=staff.id, now=now)
    return code


def bind(*, scene: str, openid: str, now: datetime) -> Staff:
    """Bind the openid that scanned `scene` to the code's staff member; raises Invalid/Conflict with the reason."""
    code = db.session.scalar(select(BindCode).where(BindCode.scene == scene).with_for_update())
    if code is None:
        raise Invalid(UNKNOWN, field="scene")
    if code.used_at is not None:
        raise Conflict(USED)
    if now >= code.expires_at:
        raise Conflict(EXPIRED.format(minutes=CODE_MINUTES))
    taken = db.session.scalar(select(StaffWeChat).where(StaffWeChat.openid == openid))
    if taken is not None and taken.staff_id != code.staff_id:
        raise Conflict(TAKEN)
    code.used_at = now
    person = db.session.get(Staff, code.staff_id)
    if person is None or not person.active:
        raise Invalid(UNKNOWN, field="scene")
    db.session.execute(delete(StaffWeChat).where(StaffWeChat.staff_id == person.id))
    db.session.add(StaffWeChat(staff_id=person.id, openid=openid, bound_at=now))
    db.session.flush()
    audit.record(actor=person, action="wechat.bind", obj_type="staff", obj_id=person.id, after={"openid": openid},
                 now=now)
    forget()
    return person


def unbind(*, staff_id: int, by, now: datetime) -> None:
    row = binding(staff_id)
    if row is None:
        raise NotFound(NOT_BOUND, field="staff_id")
    db.session.delete(row)
    audit.record(actor=by, action="wechat.unbind", obj_type="staff", obj_id=staff_id, now=now)
    forget()


def binding(staff_id: int) -> StaffWeChat | None:
    return db.session.scalar(select(StaffWeChat).where(StaffWeChat.staff_id == staff_id))


def openid_of(staff_id: int) -> str | None:
    row = binding(staff_id)
    return row.openid if row else None


def staff_for(openid: str) -> Staff | None:
    row = db.session.scalar(select(StaffWeChat).where(StaffWeChat.openid == openid))
    return db.session.get(Staff, row.staff_id) if row else None


def is_staff(openid: str) -> bool:
    """Whether `openid` is a bound staff member's, from a per-process set reloaded every few seconds: the check
    runs on every inbound message, so it costs a set lookup, not a query."""
    key = id(db.engine)
    if _cache["key"] != key or clock.monotonic() - float(_cache["at"]) > _CACHE_SECONDS:
        _cache["openids"] = frozenset(db.session.scalars(select(StaffWeChat.openid)))
        _cache["key"], _cache["at"] = key, clock.monotonic()
    return openid in _cache["openids"]   # type: ignore[operator]


def forget() -> None:
    """Drop this process's set after a change here (other processes reload within _CACHE_SECONDS)."""
    _cache["key"] = None
