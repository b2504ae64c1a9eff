"""Who may act on a publication, a poll or a knowledge-base entry: the department rule, written once.

Cases carry their department (services.case_access). Publications and polls carry their author's username, so they
belong to the author's department:
- admins act on everything;
- staff act on work authored in their own department (an author without a department, or a system author such as
  `seed`, belongs to "no department": only staff without a department and admins act on it);
- viewers act on nothing.
Knowledge-base entries are the bureau's legal answers, shared by every department: publishing or withdrawing one
is an admin's act (staff change entries through review, services.kb_review).
A system actor (the scheduler, the CLI: a plain string) is not a staff member and is not restricted here.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from extensions import db
from models import Staff
from models.staff import Role
from services import PermissionDenied

OTHER_DEPARTMENT = "这是其他部门的{what}，只有该部门的工作人员或管理员可以操作。"
READ_ONLY = "只读账号不能修改数据。"
ADMIN_ONLY = "{what}只能由管理员操作。"


def _staff(actor: Any) -> Staff | None:
    if isinstance(actor, Staff):
        return actor
    if isinstance(actor, str) and actor:
        return db.session.scalar(select(Staff).where(Staff.username == actor))
    return None


def require_same_department(*, actor: Any, author: str | None, what: str) -> None:
    """Refuse a staff member acting on work authored in another department (PermissionDenied, in Chinese)."""
    person = _staff(actor)
    if person is None or person.role == Role.ADMIN:
        return
    if person.role == Role.VIEWER:
        raise PermissionDenied(READ_ONLY)
    owner = _staff(author)
    owner_department = owner.department_id if owner is not None else None
    if owner_department != person.department_id:
        raise PermissionDenied(OTHER_DEPARTMENT.format(what=what))


def require_admin(*, actor: Any, what: str) -> None:
    person = _staff(actor)
    if person is not None and person.role != Role.ADMIN:
        raise PermissionDenied(ADMIN_ONLY.format(what=what))
