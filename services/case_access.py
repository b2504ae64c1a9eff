"""Who may act on a case and who may see its personal data (DESIGN §5).

- act (accept, assign, close, notes…): admins, and staff of the case's department;
- read: admins and viewers every case, staff their department's cases (`services.staff.visible_departments`),
  personal data masked unless the reader may see it;
- personal data of a 投诉人 in full: admins and staff of the case's department; viewers never;
- the identity of a 举报人 (named or anonymous): admins only;
- evidence photos (they show phones, addresses, faces): whoever sees the personal data in full.
"""
from __future__ import annotations

from typing import Any

from models.complaint import Case, Kind
from models.staff import Role
from services import NotFound, PermissionDenied, privacy

NOT_YOUR_DEPARTMENT = "只有承办部门的工作人员或管理员可以办理此案件。"
NOT_VISIBLE = "案件不存在或不属于您所在的部门"
READ_ONLY = "只读账号不能办理案件。"
REPORTER_HIDDEN = "（举报人信息仅管理员可见）"
EVIDENCE_HIDDEN = "证据照片常含电话、地址等个人信息，只有承办部门的工作人员和管理员可以查看"
ANONYMOUS = "匿名"


def is_admin(staff: Any) -> bool:
    return getattr(staff, "role", None) == Role.ADMIN


def can_read(staff: Any, case: Case) -> bool:
    role = getattr(staff, "role", None)
    if role in (Role.ADMIN, Role.VIEWER):
        return True
    return role == Role.STAFF and case.department_id is not None and staff.department_id == case.department_id


def require_read(staff: Any, case: Case) -> None:
    """Another department's case answers like a missing one, so its id is not confirmed (docs/console.md §4)."""
    if not can_read(staff, case):
        raise NotFound(NOT_VISIBLE, field="case_id")


def visible_departments(staff: Any) -> set[int] | None:
    """Department ids whose cases `staff` may list; None means all."""
    if getattr(staff, "role", None) in (Role.ADMIN, Role.VIEWER):
        return None
    return {staff.department_id} if getattr(staff, "department_id", None) else set()


def can_act(staff: Any, case: Case) -> bool:
    if is_admin(staff):
        return True
    return (getattr(staff, "role", None) == Role.STAFF and case.department_id is not None
            and staff.department_id == case.department_id)


def require_act(staff: Any, case: Case) -> None:
    require_read(staff, case)
    if getattr(staff, "role", None) == Role.VIEWER:
        raise PermissionDenied(READ_ONLY)
    if not can_act(staff, case):
        raise PermissionDenied(NOT_YOUR_DEPARTMENT)


def sees_personal(staff: Any, case: Case) -> bool:
    if case.kind == Kind.REPORT:
        return is_admin(staff)
    return can_act(staff, case)


def shows_personal_to(staff: Any) -> bool:
    """Whether this reader may search by a consumer's name or phone: admins and staff (their department's cases),
    never viewers."""
    return getattr(staff, "role", None) in (Role.ADMIN, Role.STAFF)


def require_evidence(staff: Any, case: Case) -> None:
    """Photos are personal data that cannot be masked: refused to whoever sees personal fields masked."""
    require_read(staff, case)
    if not sees_personal(staff, case):
        raise PermissionDenied(EVIDENCE_HIDDEN)


def person(staff: Any, case: Case) -> dict[str, str]:
    """The consumer's name, phone and openid as `staff` may see them."""
    if case.kind == Kind.REPORT and not is_admin(staff):
        return {"name": REPORTER_HIDDEN, "phone": "", "openid": ""}
    if case.anonymous and not case.name:
        name = ANONYMOUS
    else:
        name = case.name or ""
    if sees_personal(staff, case):
        return {"name": name, "phone": case.phone or "", "openid": case.openid}
    return {"name": name if name == ANONYMOUS else privacy.mask_name(name), "phone": privacy.mask_phone(case.phone),
            "openid": privacy.mask_openid(case.openid)}
