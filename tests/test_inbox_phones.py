"""Staff on their phones: binding by a one-time QR code (single use, expiry, unbind), a bound staff member's messages
are never a consumer's, and template alerts reach the right person — on-duty staff for a new thread, the assignee
else the head else the admins for a case reminder."""
from __future__ import annotations

import re

import requests

from extensions import db
from models.inbox import StaffWeChat, Thread
from scheduler.jobs import JOBS, alert_staff
from services import case_actions, case_reminders, complaints, staff_alerts
from sim.client import SimUser
from tests.support.complaints import china, file_case, make_office
from tests.support.wechat import APP_ID, TOKEN, FakeClock, transport_for
from tests.support.inbox import on_duty_now


def _scene(sim, page_html: str) -> str:
    ticket = re.search(r'data-ticket="([^"]+)"', page_html).group(1)
    return requests.get(f"{sim.url}/sim/qrcode/{ticket}", timeout=5).json()["scene"]


def _phone(app, sim, openid: str) -> SimUser:
    return SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid=openid, api_base=sim.url)


def test_qr_binding_is_single_use_and_expires(make_app, sim, staff_factory, logged_in):
    """Scanning binds once; the same code again is refused; a code past its 10 minutes is refused; unbind works."""
    clock = FakeClock()
    app = make_app(CLOCK=clock)
    person = staff_factory(role="staff", display_name="李科员")
    user = logged_in(app.test_client(), person)
    scene = _scene(sim, user.post("/console/messages/phone/code").text)
    phone = _phone(app, sim, "o_staff_phone")
    assert "绑定成功" in phone.follow(scene).text                          # follows by scanning
    assert "已经用过" in _phone(app, sim, "o_someone_else").event("SCAN", EventKey=scene, Ticket="T",
                                                                  action="scan").text
    with app.app_context():
        assert [(b.staff_id, b.openid) for b in db.session.query(StaffWeChat)] == [(person.id, "o_staff_phone")]
    assert "已绑定微信" in user.get("/console/messages/phone").text

    late = _scene(sim, user.post("/console/messages/phone/code").text)
    clock.advance(minutes=11)
    assert "已过期" in _phone(app, sim, "o_other_phone").event("SCAN", EventKey=late, Ticket="T", action="scan").text
    assert user.post("/console/messages/phone/unbind").status_code == 302
    with app.app_context():
        assert db.session.query(StaffWeChat).count() == 0


def test_bound_staff_messages_are_never_a_consumers(app, sim, staff_factory, logged_in):
    """A bound staff member who writes 人工 or a question gets a staff note; no thread, no consumer flow."""
    person = staff_factory(role="staff")
    user = logged_in(app.test_client(), person)
    phone = _phone(app, sim, "o_staff_2")
    phone.follow()
    assert "绑定成功" in phone.event("SCAN", EventKey=_scene(sim, user.post("/console/messages/phone/code").text),
                                     Ticket="T", action="scan").text
    for text in ("人工", "我要投诉", "网购衣服能退吗"):
        assert "不会作为消费者留言" in phone.say(text).text
    assert "不会作为消费者留言" in phone.click("COMPLAINT").text
    with app.app_context():
        assert db.session.query(Thread).count() == 0


def test_new_thread_alerts_the_on_duty_person_only(make_app, sim, consumer, staff_factory, logged_in):
    """The alert job sends a template to the bound staff member on duty, not to a bound colleague off duty."""
    app = make_app(STAFF_ALERT_TEMPLATE_ID="TPL_STAFF")
    on, off = staff_factory(role="staff"), staff_factory(role="staff")
    for person, openid in ((on, "o_on_phone"), (off, "o_off_phone")):
        user = logged_in(app.test_client(), person)
        phone = _phone(app, sim, openid)
        phone.follow(_scene(sim, user.post("/console/messages/phone/code").text))
    on_duty_now(app, on.id)
    _phone(app, sim, "o_asker").say("人工")
    alert_staff(app)
    alert_staff(app)                                                        # once per wait, however often it runs
    assert [m["kind"] for m in sim.inbox("o_on_phone") if m["kind"] == "template"] == ["template"]
    assert "等待回复" in sim.inbox("o_on_phone")[-1]["data"]["first"]["value"]
    assert [m for m in sim.inbox("o_off_phone") if m["kind"] == "template"] == []
    assert "inbox.alert_staff" in {job.id for job in JOBS}


def test_reminders_reach_assignee_else_head_else_admins(app, sim):
    """Assignee first; without an assignee the department head; with neither the admins — never nobody."""
    with app.app_context():
        office = make_office(china(2026, 11, 1, 9, 0))
        assigned = file_case(now=china(2026, 11, 2, 9, 0))
        case_actions.assign(case_id=assigned.id, department_id=office.chengguan.department_id,
                            assignee_id=office.chengguan.id, by=office.admin, now=china(2026, 11, 2, 9, 30))
        headed = file_case(now=china(2026, 11, 2, 9, 0), openid="o_two")
        case_actions.assign(case_id=headed.id, department_id=office.chengguan.department_id, assignee_id=None,
                            by=office.admin, now=china(2026, 11, 2, 9, 30))
        orphan = file_case(now=china(2026, 11, 2, 9, 0), openid="o_three")
        orphan.department_id = None
        db.session.commit()
        assert [p.id for p in case_reminders.recipients(assigned)] == [office.chengguan.id]
        assert [p.id for p in case_reminders.recipients(headed)] == [office.head.id]
        assert [p.id for p in case_reminders.recipients(orphan)] == [office.admin.id]
        db.session.add(StaffWeChat(staff_id=office.admin.id, openid="o_admin_phone", bound_at=china(2026, 11, 1)))
        orphan_id, number = orphan.id, orphan.number
        db.session.commit()
    sim.configure(followers=["o_admin_phone"])
    with app.app_context():
        complaints.send_reminders(now=china(2026, 11, 7, 9, 0), sender=app.extensions["outbound"].sender,
                                  template_id="TPL_STAFF")
        db.session.commit()
    texts = [m["data"]["first"]["value"] for m in sim.inbox("o_admin_phone") if m["kind"] == "template"]
    assert orphan_id and any(number in t and "已过半" in t for t in texts)


def test_sla_about_to_break_alerts_once(make_app, sim, staff_factory, logged_in):
    """A thread waiting past SLA minus 5 minutes alerts the on-duty staff once."""
    from datetime import timedelta

    from services.clock import utcnow
    app = make_app(STAFF_ALERT_TEMPLATE_ID="TPL_STAFF")
    person = staff_factory(role="staff")
    user = logged_in(app.test_client(), person)
    _phone(app, sim, "o_duty_phone").follow(_scene(sim, user.post("/console/messages/phone/code").text))
    on_duty_now(app, person.id)
    _phone(app, sim, "o_waits").say("人工")
    with app.app_context():
        sender = app.extensions["outbound"].sender
        staff_alerts.alert_waiting(now=utcnow(), sender=sender, template_id="TPL_STAFF")
        assert staff_alerts.alert_sla(now=utcnow() + timedelta(minutes=26), sender=sender,
                                      template_id="TPL_STAFF") == 1
        assert staff_alerts.alert_sla(now=utcnow() + timedelta(minutes=27), sender=sender,
                                      template_id="TPL_STAFF") == 0
        db.session.commit()
    assert any("即将超过首次响应时限" in m["data"]["first"]["value"] for m in sim.inbox("o_duty_phone")
               if m["kind"] == "template")
