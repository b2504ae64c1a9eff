"""The /api contract: bearer login, 401/403/404/422 in one error shape, pagination, OpenAPI 3."""
from __future__ import annotations

from openapi_spec_validator import validate

from extensions import db
from models import AuditEvent, Staff


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_token_that_opens_the_api(client, staff_factory):
    """POST /api/auth/login with the right password returns a token; /api/auth/me then names the caller."""
    admin = staff_factory(role="admin")
    res = client.post("/api/auth/login", json={"username": admin.username, "password": admin.password})
    assert res.status_code == 200
    me = client.get("/api/auth/me", headers=bearer(res.json["token"]))
    assert me.status_code == 200 and me.json["username"] == admin.username


def test_wrong_password_is_401_in_the_error_shape(client, staff_factory):
    """A wrong password answers 401 with {"error": {"code", "message"}} and no token."""
    person = staff_factory()
    res = client.post("/api/auth/login", json={"username": person.username, "password": "wrong-password-1"})
    assert res.status_code == 401
    assert res.json["error"]["code"] == "bad_credentials"
    assert "密码错误" in res.json["error"]["message"]


def test_anonymous_api_call_is_401(client):
    """Without a token every protected endpoint answers 401 in the error shape."""
    res = client.get("/api/staff/")
    assert res.status_code == 401
    assert res.json["error"]["code"] == "unauthorized"
    assert "Bearer" in res.json["error"]["message"]


def test_wrong_role_is_403_with_a_reason(client, staff_factory, api_token):
    """A staff-role token on an admin endpoint is refused with 403 naming the role needed."""
    person = staff_factory(role="staff")
    res = client.get("/api/staff/", headers=bearer(api_token(person)))
    assert res.status_code == 403
    assert "管理员" in res.json["error"]["message"] and "工作人员" in res.json["error"]["message"]


def test_missing_field_is_422_naming_it(client):
    """A login body without a password answers 422 and names the field."""
    res = client.post("/api/auth/login", json={"username": "x"})
    assert res.status_code == 422
    assert res.json["error"]["field"] == "password"
    assert "password" in res.json["error"]["fields"]


def test_non_json_body_is_a_4xx_not_a_500(client):
    """Garbage in the body of a JSON endpoint is refused with a 4xx in the error shape."""
    res = client.post("/api/auth/login", data=b"\xff\x00not json", content_type="application/json")
    assert 400 <= res.status_code < 500
    assert "error" in res.json


def test_unknown_id_is_404(client, staff_factory, api_token):
    """Asking for a staff id that does not exist answers 404, not 500."""
    admin = staff_factory(role="admin")
    res = client.get("/api/staff/99999", headers=bearer(api_token(admin)))
    assert res.status_code == 404
    assert res.json["error"]["code"] == "not_found"


def test_unknown_api_path_is_404_json(client):
    """An unknown /api path answers 404 in the error shape."""
    res = client.get("/api/no-such-thing")
    assert res.status_code == 404 and res.json["error"]["code"] == "not_found"


def test_admin_creates_staff_and_it_is_audited(app, client, staff_factory, api_token, departments):
    """An admin creates an account through the API; the audit trail records it without the password."""
    admin = staff_factory(role="admin")
    res = client.post("/api/staff/", headers=bearer(api_token(admin)), json={
        "username": "zhang.san", "password": "a-long-password", "role": "staff",
        "department_id": departments["食品安全股"]})
    assert res.status_code == 201, res.json
    assert res.json["department"]["name"] == "食品安全股"
    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(action="staff.create").one()
        assert event.actor_name == admin.username and "password" not in (event.after or {})
        assert db.session.query(Staff).filter_by(username="zhang.san").one().password_hash.startswith("$argon2id$")


def test_short_password_is_422_and_nothing_saved(app, client, staff_factory, api_token):
    """A password under 10 characters is refused naming the field; no account and no audit row is written."""
    admin = staff_factory(role="admin")
    res = client.post("/api/staff/", headers=bearer(api_token(admin)),
                      json={"username": "li.si", "password": "short", "role": "staff"})
    assert res.status_code == 422 and res.json["error"]["field"] == "password"
    with app.app_context():
        assert db.session.query(Staff).filter_by(username="li.si").count() == 0
        assert db.session.query(AuditEvent).filter_by(action="staff.create").count() == 0


def test_revoked_token_is_refused(client, staff_factory):
    """After /api/auth/logout the same token answers 401."""
    person = staff_factory()
    token = client.post("/api/auth/login", json={"username": person.username, "password": person.password}).json["token"]
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_lists_are_paginated(client, staff_factory, api_token):
    """GET /api/staff/ returns items with page, per_page and total."""
    admin = staff_factory(role="admin")
    for _ in range(3):
        staff_factory()
    res = client.get("/api/staff/?per_page=2&page=2", headers=bearer(api_token(admin)))
    assert res.status_code == 200
    assert res.json["total"] == 4 and res.json["page"] == 2 and len(res.json["items"]) == 2


def test_openapi_document_validates(client):
    """GET /api/openapi.json is an OpenAPI 3 document that validates and declares bearer auth."""
    res = client.get("/api/openapi.json")
    assert res.status_code == 200
    validate(res.json)
    assert "/api/auth/login" in res.json["paths"]
    assert "bearerAuth" in res.json["components"]["securitySchemes"]


def test_expired_token_is_refused(app, client, staff_factory):
    """A token past its expiry answers 401 even though it was never revoked."""
    from datetime import timedelta

    from services import api_tokens
    from services.clock import utcnow
    person = staff_factory()
    with app.app_context():
        _, plain = api_tokens.issue(staff=db.session.get(Staff, person.id), now=utcnow() - timedelta(hours=2),
                                    hours=1)
        db.session.commit()
    assert client.get("/api/auth/me", headers=bearer(plain)).status_code == 401


def test_deactivated_staff_token_stops_working(app, client, staff_factory, api_token):
    """Deactivating an account makes its existing tokens answer 401."""
    person = staff_factory()
    token = api_token(person)
    with app.app_context():
        db.session.get(Staff, person.id).active = False
        db.session.commit()
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_viewer_cannot_write_departments(client, departments, staff_factory, api_token):
    """A viewer may list departments but creating one is 403."""
    token = api_token(staff_factory(role="viewer"))
    assert client.get("/api/departments/", headers=bearer(token)).status_code == 200
    res = client.post("/api/departments/", headers=bearer(token), json={"name": "新股", "kind": "section"})
    assert res.status_code == 403


def test_unknown_department_on_create_is_404_naming_it(client, staff_factory, api_token):
    """Creating an account in a department id that does not exist is 404 with the field named."""
    token = api_token(staff_factory(role="admin"))
    res = client.post("/api/staff/", headers=bearer(token), json={
        "username": "wang.wu", "password": "a-long-password", "role": "staff", "department_id": 424242})
    assert res.status_code == 404 and res.json["error"]["field"] == "department"


def test_department_head_via_api(client, departments, staff_factory, api_token):
    """PUT /api/departments/<id>/head names the head; the department then shows it."""
    dept = departments["质量股"]
    member = staff_factory(department=dept)
    token = api_token(staff_factory(role="admin"))
    res = client.put(f"/api/departments/{dept}/head", headers=bearer(token), json={"head_id": member.id})
    assert res.status_code == 200 and res.json["head"]["id"] == member.id


def test_api_login_is_throttled_too(client, staff_factory):
    """Five wrong passwords through the API make that account+address wait: 429 with the generic wait message."""
    person = staff_factory()
    for _ in range(4):
        client.post("/api/auth/login", json={"username": person.username, "password": "wrong-password-x"})
    res = client.post("/api/auth/login", json={"username": person.username, "password": person.password + "x"})
    assert res.status_code == 429 and "分钟后再试" in res.json["error"]["message"]
    res = client.post("/api/auth/login", json={"username": person.username, "password": person.password})
    assert res.status_code == 429


def test_nothing_a_client_sends_makes_a_500(client, departments, staff_factory, api_token):
    """Every documented operation, given odd ids and odd bodies, answers below 500."""
    admin = staff_factory(role="admin")
    token = api_token(admin)
    spec = client.get("/api/openapi.json").json
    bodies = [None, {}, {"name": None, "role": 5, "head_id": "x", "towns": "abc"}, [1, 2], "not json"]
    for path, operations in spec["paths"].items():
        for ident in ("1", "99999999999999999999", "-1"):
            url = path.replace("{", "").replace("}", "")
            for name in ("staff_id", "department_id", "token_id"):
                url = url.replace(name, ident)
            for method in operations:
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                for body in bodies:
                    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) \
                        else {"json": body}
                    res = client.open(url, method=method.upper(), headers=bearer(token), **kwargs)
                    assert res.status_code < 500, (method, url, body, res.status_code)
                    if res.status_code == 401 and "login" not in url:   # it logged itself out: carry on
                        token = api_token(admin)
                    if res.status_code >= 400:
                        assert set(res.json["error"]) >= {"code", "message"}, (method, url)


def test_every_list_has_the_same_page_shape(client, departments, staff_factory, api_token):
    """Staff, departments, tokens and audit lists all answer {items, page, per_page, total}."""
    token = api_token(staff_factory(role="admin"))
    for url in ("/api/staff/", "/api/departments/", "/api/tokens/", "/api/audit/"):
        body = client.get(url, headers=bearer(token)).json
        assert set(body) == {"items", "page", "per_page", "total"}, url
    assert client.get("/api/departments/?per_page=5", headers=bearer(token)).json["total"] == len(departments)
