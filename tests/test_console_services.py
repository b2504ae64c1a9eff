"""Console domain rules without HTTP: audit masking and immutability, department seed and routing, CLI accounts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models import AuditEvent, Department, Staff
from models.audit import AuditTamper
from services import audit, departments
from services.clock import utcnow


def test_audit_masks_personal_fields(app):
    """Phone, names, addresses and openids are masked; passwords never stored in clear."""
    with app.app_context():
        event = audit.record(actor="cli", action="complaint.update", obj_type="complaint", obj_id="TS2026-0001",
                             before={"consumer_phone": "13812345678", "consumer_name": "张三丰"},
                             after={"address": "城关镇幸福路 88 号 3 栋", "openid": "o_abcdefghijklmn",
                                    "password": "hunter2hunter2", "status": "accepted", "buyer_tel": "13900001111"},
                             mask_fields={"buyer_tel": "phone"}, now=utcnow())
        db.session.commit()
        assert event.before == {"consumer_phone": "138****5678", "consumer_name": "张**"}
        assert event.after["address"] == "城关镇幸福路****" and event.after["openid"] == "o_ab…klmn"
        assert event.after["password"] == "***" and event.after["status"] == "accepted"
        assert event.after["buyer_tel"] == "139****1111"


def test_audit_rows_cannot_be_changed_or_deleted(app):
    """Updating or deleting an audit event through the ORM raises; the row stays as written."""
    with app.app_context():
        event = audit.record(actor="cli", action="x.y", obj_type="x", obj_id=1, after={"a": 1}, now=utcnow())
        db.session.commit()
        event.action = "forged"
        with pytest.raises(AuditTamper):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(AuditTamper):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEvent, event.id).action == "x.y"


def test_audit_is_written_with_the_change_or_not_at_all(app):
    """A change rolled back takes its audit record with it (same transaction)."""
    with app.app_context():
        departments.create(name="临时专班", kind="section", actor="cli", now=utcnow())
        db.session.rollback()
        assert db.session.query(AuditEvent).count() == 0
        assert departments.by_name("临时专班") is None


def test_seed_is_idempotent_and_realistic(app):
    """Seeding twice leaves one set: a default 便民服务中心 (12315), the 股室 and five town 所."""
    with app.app_context():
        departments.seed_defaults()
        departments.seed_defaults()
        rows = departments.all_departments()
        assert len(rows) == len({d.name for d in rows}) == len(departments.DEFAULTS)
        default = departments.default()
        assert default.name == "便民服务中心" and default.phone == "12315"
        assert sum(d.kind == "station" for d in rows) == 5
        assert db.session.scalar(select(Department).where(Department.is_default.is_(True))).id == default.id


def test_address_routes_to_the_station_covering_the_town(app):
    """An address in 红旗镇 goes to 红旗市场监督管理所; an address naming no known town goes to the default."""
    with app.app_context():
        departments.seed_defaults()
        assert departments.for_address("本县红旗镇建设路12号").name == "红旗市场监督管理所"
        assert departments.for_address("胜利镇农贸市场").name == "团结市场监督管理所"
        assert departments.for_address("外省某市").name == "便民服务中心"
        assert departments.for_address(None).name == "便民服务中心"


def test_cli_creates_an_account(app, runner, departments):
    """`staff create` makes an argon2id-hashed account in the named department."""
    res = runner.invoke(args=["staff", "create", "zhao.li", "--password", "a-long-password", "--role", "admin",
                              "--department", "综合股"])
    assert res.exit_code == 0, res.output
    with app.app_context():
        person = db.session.scalar(select(Staff).where(Staff.username == "zhao.li"))
        assert person.department.name == "综合股" and person.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("args, reason", [
    (["--password", "short", "--role", "staff"], "密码至少"),
    (["--password", "a-long-password", "--role", "boss"], "角色"),
    (["--password", "a-long-password", "--role", "staff", "--department", "不存在股"], "不存在"),
])
def test_cli_bad_input_is_one_line_and_nonzero(app, runner, departments, args, reason):
    """Bad CLI input exits non-zero with one line naming the problem and creates nothing."""
    res = runner.invoke(args=["staff", "create", "bad.input", *args])
    assert res.exit_code != 0
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and reason in lines[0]
    with app.app_context():
        assert db.session.scalar(select(Staff).where(Staff.username == "bad.input")) is None


def test_cli_duplicate_username_fails(app, runner, staff_factory):
    """Creating an existing username again exits non-zero saying it is taken."""
    person = staff_factory()
    res = runner.invoke(args=["staff", "create", person.username, "--password", "a-long-password", "--role", "staff"])
    assert res.exit_code != 0 and "已被使用" in res.output
