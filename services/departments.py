"""Departments: the seeded county set, routing a complaint to the 所 that covers an address, heads, edits.

Services add to the session and audit; the caller commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from extensions import db
from models import Department, Staff
from models.department import DepartmentKind
from services import Conflict, Invalid, NotFound, audit
from services.clock import utcnow

NAME_REQUIRED = "请填写部门名称"
NAME_TAKEN = "已有同名部门「{name}」"
NOT_FOUND = "部门不存在"
HEAD_NOT_MEMBER = "负责人必须是本部门的工作人员"
STAFF_NOT_FOUND = "工作人员不存在"

# A realistic county bureau: one service centre (the 12315 desk, default receiver), the sections, and one
# 市场监督管理所 per group of towns. Town names route complaints by the consumer's address.
DEFAULTS: list[dict] = [
    {"name": "便民服务中心", "kind": DepartmentKind.CENTER, "is_default": True, "phone": "12315", "towns": []},
    {"name": "综合股", "kind": DepartmentKind.SECTION, "phone": "0000-1234501", "towns": []},
    {"name": "食品安全股", "kind": DepartmentKind.SECTION, "phone": "0000-1234502", "towns": []},
    {"name": "质量股", "kind": DepartmentKind.SECTION, "phone": "0000-1234503", "towns": []},
    {"name": "价格监督检查股", "kind": DepartmentKind.SECTION, "phone": "0000-1234504", "towns": []},
    {"name": "特种设备安全股", "kind": DepartmentKind.SECTION, "phone": "0000-1234505", "towns": []},
    {"name": "城关市场监督管理所", "kind": DepartmentKind.STATION, "phone": "0000-1234511",
     "towns": ["城关镇", "城南街道", "城北街道"]},
    {"name": "新华市场监督管理所", "kind": DepartmentKind.STATION, "phone": "0000-1234512",
     "towns": ["新华镇", "和平乡"]},
    {"name": "东风市场监督管理所", "kind": DepartmentKind.STATION, "phone": "0000-1234513",
     "towns": ["东风镇", "前进乡"]},
    {"name": "红旗市场监督管理所", "kind": DepartmentKind.STATION, "phone": "0000-1234514",
     "towns": ["红旗镇", "光明乡"]},
    {"name": "团结市场监督管理所", "kind": DepartmentKind.STATION, "phone": "0000-1234515",
     "towns": ["团结乡", "胜利镇"]},
]


def seed_defaults() -> str:
    """Create the county's departments that do not exist yet (matched by name); the caller commits. Safe to run again."""
    now = utcnow()
    existing = set(db.session.scalars(select(Department.name)))
    created = 0
    has_default = db.session.scalar(select(Department.id).where(Department.is_default)) is not None
    for order, spec in enumerate(DEFAULTS):
        if spec["name"] in existing:
            continue
        is_default = bool(spec.get("is_default")) and not has_default
        db.session.add(Department(name=spec["name"], kind=spec["kind"], is_default=is_default, phone=spec["phone"],
                                  towns=list(spec["towns"]), sort_order=order * 10, created_at=now))
        created += 1
    db.session.flush()
    return f"{created} departments created, {len(existing)} already there"


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.sort_order, Department.id)))


def get(department_id: int) -> Department:
    dept = db.session.get(Department, department_id)
    if dept is None:
        raise NotFound(NOT_FOUND, field="department_id")
    return dept


def by_name(name: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.name == name.strip()))


def default() -> Department | None:
    """The department that receives what no rule routes elsewhere (the 便民服务中心)."""
    return db.session.scalar(select(Department).where(Department.is_default).order_by(Department.id))


def for_address(address: str | None) -> Department | None:
    """The 所 whose town appears in the address; the default department when none does."""
    text = (address or "").strip()
    if text:
        stations = db.session.scalars(select(Department).where(Department.kind == DepartmentKind.STATION)
                                      .order_by(Department.sort_order, Department.id))
        for dept in stations:
            if any(town and town in text for town in dept.towns or []):
                return dept
    return default()


def snapshot(dept: Department) -> dict:
    return {"name": dept.name, "kind": str(dept.kind), "is_default": dept.is_default, "phone": dept.phone,
            "towns": list(dept.towns or []), "head_id": dept.head.id if dept.head else None}


def _clean(name: str, towns: list[str] | None) -> tuple[str, list[str]]:
    name = (name or "").strip()
    if not name:
        raise Invalid(NAME_REQUIRED, field="name")
    return name, [t.strip() for t in towns or [] if t and t.strip()]


def create(*, name: str, kind: str, phone: str = "", towns: list[str] | None = None, actor, now: datetime
           ) -> Department:
    """Add a department and its audit record (caller commits)."""
    name, towns = _clean(name, towns)
    if by_name(name):
        raise Conflict(NAME_TAKEN.format(name=name), field="name")
    dept = Department(name=name, kind=DepartmentKind(kind), is_default=False, phone=phone.strip(), towns=towns,
                      sort_order=1000, created_at=now)
    db.session.add(dept)
    db.session.flush()
    audit.record(actor=actor, action="department.create", obj_type="department", obj_id=dept.id,
                 after=snapshot(dept), now=now)
    return dept


def update(*, department_id: int, name: str, kind: str, phone: str = "", towns: list[str] | None = None,
           actor, now: datetime) -> Department:
    """Change a department's name, kind, phone and towns (caller commits)."""
    dept = get(department_id)
    name, towns = _clean(name, towns)
    other = by_name(name)
    if other is not None and other.id != dept.id:
        raise Conflict(NAME_TAKEN.format(name=name), field="name")
    before = snapshot(dept)
    dept.name, dept.kind, dept.phone, dept.towns = name, DepartmentKind(kind), phone.strip(), towns
    old, new = audit.changed(before, snapshot(dept))
    if new:
        audit.record(actor=actor, action="department.update", obj_type="department", obj_id=dept.id,
                     before=old, after=new, now=now)
    return dept


def set_head(*, department_id: int, staff_id: int | None, actor, now: datetime) -> Department:
    """Make a member the department's one head (None clears it); the previous head steps down (caller commits)."""
    dept = get(department_id)
    before = dept.head.id if dept.head else None
    if before == staff_id:
        return dept
    person = None
    if staff_id is not None:
        person = db.session.get(Staff, staff_id)
        if person is None:
            raise NotFound(STAFF_NOT_FOUND, field="head_id")
        if person.department_id != dept.id:
            raise Invalid(HEAD_NOT_MEMBER, field="head_id")
    if dept.head is not None:
        dept.head.head_of_id = None
        db.session.flush()  # the unique head_of_id frees before the new head takes it
    if person is not None:
        person.head_of_id = dept.id
    db.session.flush()
    db.session.expire(dept, ["head"])
    audit.record(actor=actor, action="department.set_head", obj_type="department", obj_id=dept.id,
                 before={"head_id": before}, after={"head_id": staff_id}, now=now)
    return dept
