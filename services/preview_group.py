"""The publications preview group (测试组), chosen in the console: staff members whose own WeChat is bound
(services.staff_binding) receive a draft before it is approved. Stored as one settings row; the
PUBLICATION_PREVIEW_OPENIDS setting still adds fixed openids (e.g. a shared office phone). Changes are audited;
the caller commits."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from extensions import db
from models import Setting, Staff
from models.inbox import StaffWeChat
from services import Invalid, audit

KEY = "publication_preview"
NOT_BOUND = "「{name}」还没有绑定自己的微信（在「我的微信」扫码绑定），不能加入测试组"


def member_ids() -> list[int]:
    row = db.session.get(Setting, KEY)
    return [int(i) for i in (row.value.get("staff_ids", []) if row else [])]


def candidates() -> list[tuple[Staff, bool]]:
    """Active staff, each with whether their WeChat is bound (only bound ones can be in the group)."""
    bound = set(db.session.scalars(select(StaffWeChat.staff_id)))
    people = db.session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.username))
    return [(p, p.id in bound) for p in people]


def openids(fixed: Iterable[str] = ()) -> tuple[str, ...]:
    """Where a preview goes: the fixed openids, then each member's bound WeChat (an unbound member is skipped)."""
    ids = member_ids()
    bound = db.session.scalars(select(StaffWeChat.openid).where(StaffWeChat.staff_id.in_(ids or [-1]))).all()
    return tuple(dict.fromkeys([*fixed, *bound]))


def set_members(*, staff_ids: Iterable[int], by: Any, now: datetime) -> list[int]:
    """Replace the group; every member must have a bound WeChat (audited; the caller commits)."""
    wanted = sorted(set(int(i) for i in staff_ids))
    bound = set(db.session.scalars(select(StaffWeChat.staff_id).where(StaffWeChat.staff_id.in_(wanted or [-1]))))
    for person_id in wanted:
        if person_id not in bound:
            person = db.session.get(Staff, person_id)
            raise Invalid(NOT_BOUND.format(name=person.username if person else person_id), field="staff_ids")
    before = member_ids()
    row = db.session.get(Setting, KEY) or Setting(key=KEY, value={})
    row.value, row.updated_at = {"staff_ids": wanted}, now
    db.session.add(row)
    audit.record(actor=by, action="settings.update", obj_type="setting", obj_id=KEY,
                 before={"staff_ids": before}, after={"staff_ids": wanted}, now=now)
    return wanted
