"""Console sign-in: login form, CSRF, throttling per account and per IP, session expiry, logout."""
from __future__ import annotations


from extensions import db
from services import keys
from services.clock import utcnow
from tests.support.console import read_csrf


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


def test_five_wrong_passwords_make_that_address_wait(app, client, staff_factory):
    """The fifth wrong password from one address makes that account+address wait; the message is the generic one."""
    person = staff_factory()
    for attempt in range(4):
        res = login(client, person.username, "wrong-password-x")
        assert res.status_code == 401 and "用户名或密码错误" in res.get_data(as_text=True)
    res = login(client, person.username, "wrong-password-x")
    assert res.status_code == 429 and "1 分钟后再试" in res.get_data(as_text=True)
    res = login(client, person.username, person.password)
    assert res.status_code == 429 and "分钟后再试" in res.get_data(as_text=True)


def test_a_stranger_cannot_lock_an_admin_out(client, staff_factory):
    """Ten wrong passwords for the admin from a stranger's address leave the admin, from another address, signing in."""
    admin = staff_factory(role="admin")
    for _ in range(10):
        login(client, admin.username, "guess-guess-guess", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert login(client, admin.username, "guess-guess-guess",
                 environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 429
    res = login(client, admin.username, admin.password, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert res.status_code == 302 and res.headers["Location"].endswith("/console/")


def test_twenty_typos_behind_one_nat_lock_nobody_out(client, staff_factory):
    """Twenty failures from one office address (several colleagues) do not stop a colleague there from signing in."""
    person = staff_factory()
    for i in range(20):
        login(client, f"colleague{i % 7}", "typo-typo-typo")
    assert login(client, person.username, person.password).status_code == 302


def test_unknown_and_real_accounts_fail_alike(client, staff_factory):
    """A wrong password for a real account and any password for an unknown one read exactly the same."""
    person = staff_factory()
    real = login(client, person.username, "wrong-password-x")
    ghost = login(client, "nobody-here", "wrong-password-x")
    assert real.status_code == ghost.status_code == 401
    assert "用户名或密码错误" in real.get_data(as_text=True) and "用户名或密码错误" in ghost.get_data(as_text=True)


def test_an_address_over_the_spray_cap_is_told_to_wait(app, client, staff_factory):
    """Once one address has LOGIN_IP_MAX failures in the window, even a right password from it must wait."""
    from extensions import redis
    person = staff_factory()
    login(client, "nobody0", "wrong-password-x")
    with app.app_context():
        redis.set(keys.login_failures_ip("127.0.0.1"), keys.LOGIN_IP_MAX, ex=keys.LOGIN_IP_WINDOW)
    res = login(client, person.username, person.password)
    assert res.status_code == 429 and "分钟后再试" in res.get_data(as_text=True)


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
        staff_service.set_password(staff_id=person.id, password="brand-new-lantern-93", actor="test", now=utcnow())
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


def test_the_purge_job_forgets_ended_sessions_once_their_cookies_have_expired(app):
    """console.purge_ended_sessions, run as the scheduler runs it, deletes logout records older than a session's
    longest life and keeps the recent ones (a copied cookie from a recent logout must still be refused)."""
    from datetime import timedelta

    from sqlalchemy import select

    from extensions import db
    from models import EndedSession
    from scheduler.jobs import JOBS
    from services.clock import utcnow
    hours = int(app.config["CONSOLE_SESSION_HOURS"])
    with app.app_context():
        db.session.add_all([EndedSession(sid="old-session", ended_at=utcnow() - timedelta(hours=hours + 1)),
                            EndedSession(sid="recent-session", ended_at=utcnow() - timedelta(hours=1))])
        db.session.commit()
    next(job for job in JOBS if job.id == "console.purge_ended_sessions").run(app)
    with app.app_context():
        assert set(db.session.scalars(select(EndedSession.sid))) == {"recent-session"}
