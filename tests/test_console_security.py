"""The console and /api locked down (issue 16 §1): exports never carry formulas, passwords end tokens and sessions,
logout is server-side, logins and exports are audited, headers and CSP, strong passwords, evidence hidden from
viewers, http(s) links only, department scoping, authentication before validation."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from extensions import db
from models import AuditEvent
from models.complaint import Wish
from models.poll import Option
from services import complaints
from services.clock import utcnow
from tests.support.complaints import make_office
from tests.support.console import read_csrf
from tests.support.polls import make_poll

FORMULA = '=HYPERLINK("http://evil.example/x","点我")'


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login(client, username: str, password: str, **kwargs):
    token = read_csrf(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"csrf_token": token, "username": username, "password": password},
                       **kwargs)


def _formula_case(app):
    with app.app_context():
        office = make_office(utcnow())
        intake = complaints.Intake(kind="complaint", business_name=FORMULA, business_address="@SUM(1+1)",
                                   story="买到过期牛奶", wish=Wish.REFUND, name="张三", phone="13812345678")
        complaints.file(openid="o_formula", intake_token=complaints.new_intake_token(), intake=intake, now=utcnow())
        db.session.commit()
        return office.admin.username


def test_complaint_export_stores_consumer_text_as_text(app, client):
    """A business name typed as an Excel formula is stored in the export as a text cell, character for character."""
    admin = _formula_case(app)
    assert login(client, admin, "correct horse 315").status_code == 302
    res = client.get("/console/complaints/export.xlsx")
    assert res.status_code == 200
    sheet = load_workbook(io.BytesIO(res.data))["案件清单"]
    name, address = sheet.cell(row=2, column=7), sheet.cell(row=2, column=8)
    assert (name.value, name.data_type) == (FORMULA, "s")
    assert (address.value, address.data_type) == ("@SUM(1+1)", "s")


def test_poll_exports_store_text_as_text(app, client, staff_factory, logged_in):
    """An option label that looks like a formula is a text cell in the xlsx and apostrophe-quoted in the CSV."""
    poll_id = make_poll(app)
    with app.app_context():
        db.session.scalars(select(Option).where(Option.label == "鸡蛋")).one().label = FORMULA
        db.session.commit()
    user = logged_in(client, staff_factory(role="staff"))
    book = load_workbook(io.BytesIO(user.get(f"/console/polls/{poll_id}/export.xlsx").get_data()))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)
    csv_text = user.get(f"/console/polls/{poll_id}/export.csv").get_data().decode("utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in csv_text
    assert "\n" + FORMULA not in csv_text and "," + FORMULA not in csv_text


def test_password_change_revokes_api_tokens(client, staff_factory, logged_in, api_token):
    """Changing my password in the console makes my existing API token answer 401."""
    person = staff_factory()
    token = api_token(person)
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    user = logged_in(client, person)
    res = user.post("/console/account/", data={"current": person.password, "new": "shiny-lantern-7291",
                                              "repeat": "shiny-lantern-7291"})
    assert res.status_code == 302
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_admin_reset_revokes_tokens_and_admins_see_everyones(client, staff_factory, api_token):
    """An admin lists another person's token, resets that person's password, and the token stops working."""
    admin, clerk = staff_factory(role="admin"), staff_factory(role="staff")
    clerk_token, admin_token = api_token(clerk), api_token(admin)
    listed = client.get(f"/api/tokens/?staff_id={clerk.id}", headers=bearer(admin_token)).get_json()
    assert [t["staff_id"] for t in listed["items"]] == [clerk.id] and listed["items"][0]["username"] == clerk.username
    everyone = client.get("/api/tokens/", headers=bearer(admin_token)).get_json()
    assert {t["staff_id"] for t in everyone["items"]} == {admin.id, clerk.id}
    own = client.get("/api/tokens/", headers=bearer(clerk_token)).get_json()
    assert {t["staff_id"] for t in own["items"]} == {clerk.id}
    res = client.patch(f"/api/staff/{clerk.id}", json={"password": "quiet-harbour-5518"}, headers=bearer(admin_token))
    assert res.status_code == 200
    assert client.get("/api/auth/me", headers=bearer(clerk_token)).status_code == 401


def test_admin_revokes_anyones_token(client, staff_factory, api_token):
    """An admin revokes another person's token by id; that token then answers 401."""
    admin, clerk = staff_factory(role="admin"), staff_factory(role="staff")
    clerk_token, admin_token = api_token(clerk), api_token(admin)
    token_id = client.get(f"/api/tokens/?staff_id={clerk.id}", headers=bearer(admin_token)).get_json()["items"][0]["id"]
    assert client.post(f"/api/tokens/{token_id}/revoke", headers=bearer(admin_token)).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(clerk_token)).status_code == 401


def test_copied_cookie_stops_working_after_logout(app, client, staff_factory):
    """A session cookie copied before logout no longer opens 用户管理 after logout."""
    admin = staff_factory(role="admin")
    assert login(client, admin.username, admin.password).status_code == 302
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/console/staff/").status_code == 200
    csrf = read_csrf(client.get("/console/").get_data(as_text=True))
    assert client.post("/console/logout", data={"csrf_token": csrf}).status_code == 302
    res = thief.get("/console/staff/")
    assert res.status_code == 302 and "/console/login" in res.headers["Location"]


def test_logins_failures_logouts_are_audited_with_the_address(app, client, staff_factory):
    """A failed login, a login and a logout each leave an audit record with the client address and no password."""
    person = staff_factory()
    login(client, person.username, "wrong-password-x", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    login(client, "no-such-user", "secret-typed-here", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    login(client, person.username, person.password, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    csrf = read_csrf(client.get("/console/").get_data(as_text=True))
    client.post("/console/logout", data={"csrf_token": csrf}, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("auth.%"))
                                    .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["auth.login_failed", "auth.login_failed", "auth.login", "auth.logout"]
        assert all(e.after["ip"] == "198.51.100.7" for e in events)
        assert events[1].after["username"] == "no-such-user" and events[0].actor_id is None
        assert "wrong-password-x" not in str([e.after for e in events])
        assert "secret-typed-here" not in str([e.after for e in events])


def test_complaint_export_is_audited(app, client, staff_factory, logged_in):
    """Downloading the complaint export leaves an audit record naming the period."""
    user = logged_in(client, staff_factory(role="admin"))
    assert user.get("/console/complaints/export.xlsx?start=2026-11-01&end=2026-11-30").status_code == 200
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "complaint.export")).one()
        assert event.after["start"] == "2026-11-01" and event.after["end"] == "2026-11-30"


def test_strict_csp_on_console_and_api(client, staff_factory, logged_in, api_token):
    """Console pages and /api answers carry a CSP without unsafe-inline, plus the anti-framing and nosniff headers."""
    person = staff_factory(role="admin")
    for res in (client.get("/console/login"), client.get("/api/auth/me", headers=bearer(api_token(person))),
                client.get("/api/openapi.json")):
        csp = res.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert res.headers["X-Frame-Options"] == "DENY" and res.headers["X-Content-Type-Options"] == "nosniff"
    user = logged_in(client, person)
    for path in ("/console/", "/console/complaints/", "/console/complaints/clocks", "/console/account/",
                 "/console/polls/", "/console/publications/", "/console/kb/"):
        page = user.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and "<style" not in page, path


def test_common_and_username_passwords_are_refused(client, staff_factory, api_token):
    """Creating an account with a common password, a keyboard run or one built on the username is refused (422)."""
    admin = bearer(api_token(staff_factory(role="admin")))
    for password in ("1234567890", "password12", "qwertyuiop", "wangfang2026!"):
        res = client.post("/api/staff/", json={"username": "wangfang", "password": password, "role": "staff"},
                          headers=admin)
        assert res.status_code == 422 and res.get_json()["error"]["field"] == "password", password
    ok = client.post("/api/staff/", json={"username": "wangfang", "password": "amber-kettle-4471", "role": "staff"},
                     headers=admin)
    assert ok.status_code == 201


def test_viewers_cannot_open_evidence_photos(app, client, staff_factory, logged_in):
    """A viewer asking for a case's evidence photo is refused (403); the case page says why instead of showing it."""
    from models import EvidencePhoto
    with app.app_context():
        make_office(utcnow())
        intake = complaints.Intake(kind="complaint", business_name="好又多超市", business_address="城关镇人民路88号",
                                   story="买到过期牛奶", wish=Wish.REFUND, name="张三", phone="13812345678")
        case = complaints.file(openid="o_photo", intake_token=complaints.new_intake_token(), intake=intake,
                               now=utcnow())
        photo = EvidencePhoto(openid="o_photo", intake_token="t" * 32, case_id=case.id, media_id="m1", status="stored", data=b"\xff\xd8jpeg",
                              content_type="image/jpeg", size=7, attempts=1, created_at=utcnow())
        db.session.add(photo)
        db.session.commit()
        case_id, photo_id = case.id, photo.id
    viewer = logged_in(client, staff_factory(role="viewer", username="reader-x"))
    assert viewer.get(f"/console/complaints/{case_id}/photos/{photo_id}").status_code == 403
    assert f"/photos/{photo_id}" not in viewer.get(f"/console/complaints/{case_id}").get_data(as_text=True)


def test_javascript_links_are_refused(client, staff_factory, api_token):
    """A publication whose 详情链接 or 封面 is a javascript: or data: URL is refused naming the field."""
    headers = bearer(api_token(staff_factory(role="staff")))
    base = {"kind": "warning", "title": "预付卡消费警示", "summary": "谨慎办卡"}
    for field, url in (("link", "javascript:alert(1)"), ("cover", "data:image/png;base64,AAAA"),
                       ("link", "//evil.example/x")):
        res = client.post("/api/publications/", json={**base, field: url}, headers=headers)
        assert res.status_code == 422 and res.get_json()["error"]["field"] == field, url
    assert client.post("/api/publications/", json={**base, "link": "https://scjg.example.gov.cn/a"},
                       headers=headers).status_code == 201


def test_cross_department_publication_cancel_is_refused(client, departments, staff_factory, api_token):
    """A clerk of another department cannot cancel (or submit) a publication; a colleague of the author can."""
    author = bearer(api_token(staff_factory(role="staff", department="食品安全股")))
    stranger = bearer(api_token(staff_factory(role="staff", department="城关市场监督管理所")))
    colleague = bearer(api_token(staff_factory(role="staff", department="食品安全股")))
    pub = client.post("/api/publications/", json={"kind": "warning", "title": "警示", "summary": "s"},
                      headers=author).get_json()
    res = client.post(f"/api/publications/{pub['id']}/cancel", headers=stranger)
    assert res.status_code == 403 and "其他部门" in res.get_json()["error"]["message"]
    assert client.post(f"/api/publications/{pub['id']}/cancel", headers=colleague).status_code == 200


def test_cross_department_poll_close_is_refused(app, client, departments, staff_factory, logged_in):
    """A clerk of another department cannot close a poll created in a different department."""
    staff_factory(role="staff", department="食品安全股", username="tester")
    poll_id = make_poll(app)
    outsider = logged_in(client, staff_factory(role="staff", department="城关市场监督管理所"))
    res = outsider.post(f"/console/polls/{poll_id}/status", data={"to": "closed"})
    assert res.status_code == 403 and "其他部门" in res.get_data(as_text=True)


def test_staff_cannot_unpublish_a_knowledge_entry_alone(app, client, staff_factory, api_token):
    """Withdrawing a knowledge-base entry is an admin's act: a clerk gets 403 and the entry stays published."""
    from models import KnowledgeEntry
    with app.app_context():
        db.session.add(KnowledgeEntry(slug="t-1", topic="通用", question="问", answer="答", published=True,
                                      updated_at=utcnow(), created_at=utcnow()))
        db.session.commit()
    clerk = bearer(api_token(staff_factory(role="staff")))
    res = client.post("/api/kb/entries/t-1/unpublish", headers=clerk)
    assert res.status_code == 403 and "管理员" in res.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.scalar(select(KnowledgeEntry.published).where(KnowledgeEntry.slug == "t-1")) is True


def test_anonymous_api_gets_401_before_argument_errors(client):
    """An anonymous request with bad arguments is refused for the missing token (401), never validated (422)."""
    for res in (client.get("/api/kb/try"), client.get("/api/complaints/?page=0"),
                client.post("/api/publications/", json={"nonsense": 1})):
        assert res.status_code == 401 and res.get_json()["error"]["code"] == "unauthorized"
