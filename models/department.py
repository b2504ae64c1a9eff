"""Departments of the bureau: the 便民服务中心 (12315 desk), the 股室 and the town 市场监督管理所.

A department is data (seeded by `services.departments.seed_defaults`, edited by an admin). A 所 lists the towns it
covers, so a complaint can be routed by the consumer's address. The head is the one staff member whose
`head_of_id` points here (a unique column, so a department never has two heads).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class DepartmentKind(StrEnum):
    CENTER = "center"      # 便民服务中心: takes 12315 calls and everything not yet routed
    SECTION = "section"    # 股室 in the bureau
    STATION = "station"    # 市场监督管理所 in a town


KIND_LABELS = {DepartmentKind.CENTER: "服务中心", DepartmentKind.SECTION: "股室", DepartmentKind.STATION: "监管所"}


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[DepartmentKind] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(default=False)   # receives what no rule routes elsewhere
    phone: Mapped[str] = mapped_column(String(32), default="")
    towns: Mapped[list] = mapped_column(JSON, default=list)   # towns a 所 covers, for routing by address
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    head = relationship("Staff", primaryjoin="Department.id == foreign(Staff.head_of_id)", uselist=False,
                        viewonly=True)
    members = relationship("Staff", primaryjoin="Department.id == foreign(Staff.department_id)", viewonly=True,
                           order_by="Staff.username")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(DepartmentKind(self.kind), self.kind)

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.kind}>"
