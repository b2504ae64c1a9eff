"""Console sign-in: login form, CSRF, throttling per account and per IP, session expiry, logout."""
from __future__ import annotations

from datetime import timedelta

from extensions import db
from models import Staff
from services import keys
from services.clock import utcnow
from tests.conftest import read_csrf


def login(client, username: str, password: str, **kwargs):
    token = read_csrf(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"csrf_token": token, "username": username, "password": password},
                       **kwargs)


def test_login_then_dashboard(client, staff_factory):
    """The right password signs in and lands on the dashboard with the staff member's name."""
    person = staff_factory(role="admin", display_name="王主任")
    res = login(client, person.username, person.password, follow_redirects=True)
    assert res.status_code == 200
    page = res.get_data(as_text=True)
    assert "工作台" in page and "王主任" in page


def test_anonymous_page_redirects_to_login(client):
    """An anonymous visit to the dashboard is sent to the login page with the way back."""
    res = client.get("/console/")
    assert res.status_code == 302 and "/console/login?next=/console/" in res.headers["Location"]


def test_form_without_csrf_token_is_refused(client, staff_factory):
    """A login POST without the CSRF token is refused with 400 and signs nobody in."""
    person = staff_factory()
    res = client.post("/console/login", data={"username": person.username, "password": person.password})
    assert res.status_code == 400 and "刷新" in res.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_empty_fields_are_named_in_chinese(client):
    """Submitting the login form empty shows 必填 under each field."""
    res = login(client, "", "")
    assert res.status_code == 400 and res.get_data(as_text=True).count("必填") == 2


def test_five_wrong_passwords_lock_the_account(app, client, staff_factory):
    """The fifth wrong password locks the account; even the right password is then refused, saying it is locked."""
    person = staff_factory()
    for attempt in range(4):
        assert login(client, person.username, "wrong-password-x").status_code == 401
    res = login(client, person.username, "wrong-password-x")
    assert res.status_code == 429 and "锁定" in res.get_data(as_text=True)
    res = login(client, person.username, person.password)
    assert res.status_code == 429 and "锁定" in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Staff, person.id).locked_until > utcnow()


def test_warning_before_lock(client, staff_factory):
    """From the third wrong password the page says how many tries remain."""
    person = staff_factory()
    for _ in range(2):
        login(client, person.username, "wrong-password-x")
    assert "再错 2 次" in login(client, person.username, "wrong-password-x").get_data(as_text=True)


def test_too_many_failures_from_one_ip_are_throttled(client, staff_factory):
    """After LOGIN_IP_MAX failures from one address across any usernames, that address is told to wait."""
    person = staff_factory()
    for i in range(keys.LOGIN_IP_MAX):
        login(client, f"nobody{i}", "wrong-password-x")
    res = login(client, person.username, person.password)
    assert res.status_code == 429 and "此网络" in res.get_data(as_text=True)


def test_idle_session_expires(client, staff_factory, logged_in):
    """A session idle longer than CONSOLE_IDLE_MINUTES is sent back to login with an expiry notice."""
    logged_in(client, staff_factory())
    with client.session_transaction() as sess:
        sess["seen"] -= 31 * 60
    res = client.get("/console/", follow_redirects=True)
    assert "登录已超时" in res.get_data(as_text=True)


def test_password_change_ends_other_sessions(app, client, staff_factory, logged_in):
    """Changing the password signs out sessions opened with the old one."""
    person = staff_factory()
    logged_in(client, person)
    with app.app_context():
        from services import staff as staff_service
        staff_service.set_password(staff_id=person.id, password="brand-new-password", actor="test", now=utcnow())
        db.session.commit()
    assert client.get("/console/").status_code == 302


def test_logout_ends_the_session(client, staff_factory, logged_in):
    """Logging out (a CSRF-protected POST) sends the next visit to the login page."""
    user = logged_in(client, staff_factory())
    assert user.post("/console/logout").status_code == 302
    assert client.get("/console/").status_code == 302


def test_inactive_account_cannot_log_in(client, staff_factory):
    """A deactivated account with the right password is told it is disabled."""
    person = staff_factory(active=False)
    res = login(client, person.username, person.password)
    assert res.status_code == 403 and "停用" in res.get_data(as_text=True)


def test_next_is_never_an_open_redirect(client, staff_factory):
    """A `next` pointing off-site is ignored; the login lands on the dashboard."""
    person = staff_factory()
    token = read_csrf(client.get("/console/login").get_data(as_text=True))
    res = client.post("/console/login?next=//evil.example/", data={
        "csrf_token": token, "username": person.username, "password": person.password})
    assert res.headers["Location"].endswith("/console/")
