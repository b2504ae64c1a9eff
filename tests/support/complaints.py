"""Shared setup for the complaint tests: a county office (departments and staff of each role) and a filed case."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from extensions import db
from models import Staff
from models.complaint import Kind, Wish
from services import complaints, departments, staff
from services.clock import from_china


@dataclass
class Office:
    admin: Staff
    chengguan: Staff          # staff of 城关市场监督管理所 (covers 城关镇)
    head: Staff               # head of 城关所
    xinhua: Staff             # staff of another department
    viewer: Staff


def make_office(now: datetime) -> Office:
    """Seed the county departments and one account per role (inside an app context)."""
    departments.seed_defaults()
    cg, xh = departments.by_name("城关市场监督管理所"), departments.by_name("新华市场监督管理所")
    people = {}
    for username, role, dept in [("admin1", "admin", None), ("cg_staff", "staff", cg.id), ("cg_head", "staff", cg.id),
                                 ("xh_staff", "staff", xh.id), ("viewer1", "viewer", None)]:
        people[username] = staff.create(username=username, password="correct horse 315", role=role,
                                        department=dept, actor="test", now=now)
    db.session.flush()
    departments.set_head(department_id=cg.id, staff_id=people["cg_head"].id, actor="test", now=now)
    db.session.commit()
    return Office(admin=people["admin1"], chengguan=people["cg_staff"], head=people["cg_head"],
                  xinhua=people["xh_staff"], viewer=people["viewer1"])


def china(*args) -> datetime:
    """A China-time wall clock moment as the naive UTC the services take."""
    return from_china(datetime(*args))


def file_case(*, now: datetime, openid: str = "o_consumer_1", kind: Kind = Kind.COMPLAINT,
              address: str = "城关镇人民路88号", token: str | None = None):
    intake = complaints.Intake(kind=kind, business_name="好又多超市", business_address=address,
                               story="买到过期牛奶", wish=Wish.REFUND if kind == Kind.COMPLAINT else None,
                               name="张三", phone="13812345678")
    case = complaints.file(openid=openid, intake_token=token or complaints.new_intake_token(), intake=intake,
                           now=now)
    db.session.commit()                     # as the webhook does before the consumer is told the number
    return case
