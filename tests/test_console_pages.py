"""Console pages: user and department management, settings, audit trail, tokens, dashboard — with the server
enforcing every permission and forms that save nothing when a field is wrong."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from extensions import db
from models import ApiToken, AuditEvent, Department, Staff
from services import bureau


def test_admin_creates_a_staff_account(app, client, departments, staff_factory, logged_in):
    """An admin fills in 新建账号; the account exists with its department and the action is audited."""
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.post("/console/staff/new", data={"username": "chen.jing", "display_name": "陈静",
                                                 "password": "a-long-password", "role": "staff",
                                                 "department_id": str(departments["城关市场监督管理所"])})
    assert res.status_code == 302
    page = admin.get("/console/staff/").get_data(as_text=True)
    assert "chen.jing" in page and "城关市场监督管理所" in page
    with app.app_context():
        person = db.session.scalar(select(Staff).where(Staff.username == "chen.jing"))
        assert person.department.name == "城关市场监督管理所"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.create")).object_id == str(person.id)


def test_short_password_shows_field_error_and_saves_nothing(app, client, staff_factory, logged_in):
    """A too-short password is reported under the password field in Chinese; no account is created."""
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.post("/console/staff/new", data={"username": "short.pw", "password": "abc", "role": "staff"})
    assert res.status_code == 400
    assert 'id="password-error">至少 10 位' in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Staff).where(Staff.username == "short.pw")) is None


def test_duplicate_username_is_a_field_error(client, staff_factory, logged_in):
    """Creating a second account with a taken username shows 已被使用 under the username field."""
    admin = staff_factory(role="admin")
    user = logged_in(client, admin)
    res = user.post("/console/staff/new", data={"username": admin.username, "password": "a-long-password",
                                                "role": "viewer"})
    assert res.status_code == 400 and 'id="username-error">用户名' in res.get_data(as_text=True)


def test_staff_cannot_open_user_management(client, staff_factory, logged_in):
    """A staff-role account gets a 403 page that says which role is needed, and no 用户管理 link in the nav."""
    user = logged_in(client, staff_factory(role="staff"))
    res = user.get("/console/staff/")
    assert res.status_code == 403
    assert "管理员" in res.get_data(as_text=True)
    assert "用户管理" not in user.get("/console/").get_data(as_text=True)


def test_viewer_cannot_create_staff_by_posting(app, client, staff_factory, logged_in):
    """A viewer posting the create form directly is refused on the server; nothing is saved."""
    user = logged_in(client, staff_factory(role="viewer"))
    res = user.post("/console/staff/new", data={"username": "sneaky", "password": "a-long-password", "role": "admin"})
    assert res.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Staff).where(Staff.username == "sneaky")) is None


def test_admin_edits_role_and_deactivates(app, client, staff_factory, logged_in):
    """An admin changes a person's role and deactivates them; the audit keeps before and after."""
    admin = logged_in(client, staff_factory(role="admin"))
    clerk = staff_factory(role="staff")
    res = admin.post(f"/console/staff/{clerk.id}", data={"role": "viewer", "department_id": "", "display_name": ""})
    assert res.status_code == 302
    with app.app_context():
        person = db.session.get(Staff, clerk.id)
        assert person.role == "viewer" and not person.active
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.update"))
        assert event.before == {"role": "staff", "active": True} and event.after == {"role": "viewer", "active": False}
    trail = admin.get(f"/console/audit/?object_type=staff&object_id={clerk.id}").get_data(as_text=True)
    assert "<del>staff</del> → viewer" in trail and "<del>是</del> → 否" in trail


def test_last_admin_cannot_demote_themselves(app, client, staff_factory, logged_in):
    """The only active admin cannot remove their own admin role (the form says why)."""
    admin = staff_factory(role="admin")
    user = logged_in(client, admin)
    res = user.post(f"/console/staff/{admin.id}", data={"role": "staff", "active": "y"})
    assert res.status_code == 400 and "最后一个管理员" in res.get_data(as_text=True)


def test_unknown_staff_id_is_404(client, staff_factory, logged_in):
    """Editing an account id that does not exist shows the 404 page."""
    user = logged_in(client, staff_factory(role="admin"))
    assert user.get("/console/staff/99999").status_code == 404


def test_one_head_per_department(app, client, departments, staff_factory, logged_in):
    """Naming a second head replaces the first: a department never has two heads."""
    dept = departments["食品安全股"]
    first, second = staff_factory(department=dept), staff_factory(department=dept)
    admin = logged_in(client, staff_factory(role="admin"))
    admin.post(f"/console/departments/{dept}/head", data={"head_id": str(first.id)})
    admin.post(f"/console/departments/{dept}/head", data={"head_id": str(second.id)})
    with app.app_context():
        heads = db.session.scalars(select(Staff).where(Staff.head_of_id == dept)).all()
        assert [h.id for h in heads] == [second.id]


def test_head_must_belong_to_the_department(app, client, departments, staff_factory, logged_in):
    """Someone from another department cannot be made head; nothing changes."""
    outsider = staff_factory(department=departments["质量股"])
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.post(f"/console/departments/{departments['食品安全股']}/head", data={"head_id": str(outsider.id)},
                     follow_redirects=True)
    assert "本部门" in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Department, departments["食品安全股"]).head is None


def test_department_edit_with_empty_name_saves_nothing(app, client, departments, staff_factory, logged_in):
    """Clearing a department's name shows 必填 under it and keeps the old name."""
    admin = logged_in(client, staff_factory(role="admin"))
    dept = departments["综合股"]
    res = admin.post(f"/console/departments/{dept}", data={"name": "", "kind": "section"})
    assert res.status_code == 400 and 'id="name-error">必填' in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Department, dept).name == "综合股"


def test_everyone_sees_departments_only_admin_edits(client, departments, staff_factory, logged_in):
    """Staff can read the department list but get 403 on the edit page."""
    user = logged_in(client, staff_factory(role="staff"))
    assert "红旗市场监督管理所" in user.get("/console/departments/").get_data(as_text=True)
    assert user.get(f"/console/departments/{departments['综合股']}").status_code == 403


def test_settings_change_what_the_bot_says(app, client, staff_factory, logged_in, wechat):
    """An admin saves the bureau's phone and hours; the bot's 联系我们 reply shows them."""
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.post("/console/settings/", data={"name": "东山县市场监督管理局", "phone": "0759-8881234",
                                                 "address": "东山县人民路 1 号", "hotline": "12315",
                                                 "office_hours": "08:00-12:00\n14:00-17:30"})
    assert res.status_code == 302
    reply = wechat.click("CONTACT").text
    assert "0759-8881234" in reply and "14:00-17:30" in reply and "东山县市场监督管理局" in reply


def test_bad_office_hours_saves_nothing(app, client, staff_factory, logged_in):
    """An office-hours line that is not HH:MM-HH:MM is named under that field; the profile is unchanged."""
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.post("/console/settings/", data={"name": "某局", "phone": "1", "address": "某地", "hotline": "12315",
                                                 "office_hours": "早上八点到十二点"})
    assert res.status_code == 400 and 'id="office_hours-error">办公时间' in res.get_data(as_text=True)
    with app.app_context():
        assert bureau.profile().name == bureau.Profile().name
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.update")) is None


def test_settings_are_admin_only(client, staff_factory, logged_in):
    """A staff account cannot open the settings page."""
    assert logged_in(client, staff_factory(role="staff")).get("/console/settings/").status_code == 403


def test_audit_trail_filters_and_has_no_write_route(app, client, staff_factory, logged_in, api_token):
    """The audit page filters by action; POST or DELETE to it (page or API) is refused and changes nothing."""
    person = staff_factory(role="admin")
    admin = logged_in(client, person)
    admin.post("/console/staff/new", data={"username": "wu.fang", "password": "a-long-password", "role": "viewer"})
    page = admin.get("/console/audit/?action=staff.create").get_data(as_text=True)
    assert "staff.create" in page and "wu.fang" in page
    assert "wu.fang" not in admin.get("/console/audit/?action=settings.update").get_data(as_text=True)
    with app.app_context():
        before = db.session.query(AuditEvent).count()
    assert admin.post("/console/audit/").status_code == 405
    assert client.delete("/console/audit/").status_code in (400, 405)   # CSRF refuses it before routing
    headers = {"Authorization": f"Bearer {api_token(person)}"}
    assert client.delete("/api/audit/", headers=headers).status_code == 405
    assert client.post("/api/audit/", headers=headers, json={}).status_code == 405
    with app.app_context():
        assert db.session.query(AuditEvent).count() == before + 1   # only the token issue itself


def test_audit_page_tolerates_bad_filters(client, staff_factory, logged_in):
    """Nonsense dates and page numbers are ignored with a notice, never a 500."""
    admin = logged_in(client, staff_factory(role="admin"))
    res = admin.get("/console/audit/?since=yesterday&page=abc&until=2026-13-45")
    assert res.status_code == 200 and "YYYY-MM-DD" in res.get_data(as_text=True)


def test_token_revoked_from_the_console_stops_working(app, client, staff_factory, logged_in, api_token):
    """Revoking a token on the API 令牌 page makes the API refuse it."""
    person = staff_factory(role="staff")
    token = api_token(person)
    user = logged_in(client, person)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.staff_id == person.id))
    assert user.post(f"/console/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_staff_cannot_revoke_someone_elses_token(app, client, staff_factory, logged_in, api_token):
    """Revoking another person's token as a non-admin is a 403; the token keeps working."""
    owner, other = staff_factory(), staff_factory()
    token = api_token(owner)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.staff_id == owner.id))
    assert logged_in(client, other).post(f"/console/tokens/{token_id}/revoke").status_code == 403
    assert app.test_client().get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_dashboard_empty_state_says_what_to_do(client, staff_factory, logged_in):
    """With no departments yet the dashboard tells staff to run the seed command."""
    page = logged_in(client, staff_factory(role="admin")).get("/console/").get_data(as_text=True)
    assert "flask --app app seed" in page


def test_dashboard_draws_an_svg_chart(client, departments, staff_factory, logged_in):
    """With accounts present the admin dashboard shows the staff-by-role chart as inline SVG."""
    page = logged_in(client, staff_factory(role="admin")).get("/console/").get_data(as_text=True)
    assert "<svg" in page and "在岗工作人员" in page


def test_pages_use_only_local_assets(client, staff_factory, logged_in):
    """No page references a CDN or another host: the console works on an intranet."""
    user = logged_in(client, staff_factory(role="admin"))
    for url in ("/console/", "/console/staff/", "/console/departments/", "/console/audit/", "/console/settings/",
                "/console/tokens/", "/console/login"):
        page = user.get(url).get_data(as_text=True)
        assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", page), url
    with client.get("/console/static/console.css") as css:   # closes the streamed file
        assert css.status_code == 200


def test_change_own_password_ends_other_sessions(app, client, staff_factory, logged_in):
    """Changing my password keeps this session and signs out my other browser."""
    person = staff_factory()
    mine = logged_in(client, person)
    other_client = app.test_client()
    logged_in(other_client, person)
    res = mine.post("/console/account/", data={"current": person.password, "new": "another-long-password",
                                               "repeat": "another-long-password"})
    assert res.status_code == 302
    assert client.get("/console/").status_code == 200
    assert other_client.get("/console/").status_code == 302


def test_wrong_current_password_changes_nothing(app, client, staff_factory, logged_in):
    """A wrong current password or mismatched repeat is shown under its field; the password is unchanged."""
    person = staff_factory()
    user = logged_in(client, person)
    page = user.post("/console/account/", data={"current": "nope-nope-nope", "new": "another-long-password",
                                                "repeat": "different-long-password"}).get_data(as_text=True)
    assert 'id="current-error">当前密码不正确' in page or 'id="repeat-error">两次' in page
    with app.app_context():
        from services import staff as staff_service
        assert staff_service.check_password(db.session.get(Staff, person.id), person.password)


def test_followers_widget_counts_subscribers(app, client, staff_factory, logged_in, wechat):
    """After a follow event the dashboard's 关注人数 card shows 1."""
    wechat.follow()
    page = logged_in(client, staff_factory(role="viewer")).get("/console/").get_data(as_text=True)
    assert re.search(r"关注人数</h2>\s*<p class=\"count\">1</p>", page)


def test_login_page_when_signed_in_goes_to_dashboard(client, staff_factory, logged_in):
    """Opening the login page while signed in goes straight to the dashboard."""
    logged_in(client, staff_factory())
    res = client.get("/console/login")
    assert res.status_code == 302 and res.headers["Location"].endswith("/console/")


def test_no_console_form_can_be_made_to_500(app, client, departments, staff_factory, logged_in):
    """Every console POST route, given odd ids and odd values, answers below 500."""
    admin = logged_in(client, staff_factory(role="admin"))
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/console") and "POST" in r.methods
             and "logout" not in r.rule]
    odd = [{}, {"username": "x" * 500, "password": "\x00" * 12, "role": "king", "department_id": "abc",
                "name": " ", "kind": "planet", "towns": "、、", "head_id": "99999999999999999999",
                "office_hours": "25:00-26:00", "active": "maybe", "phone": "☎" * 40}]
    for rule in rules:
        for ident in ("1", "99999999999999999999"):
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<int:{name}>", ident)
            for data in odd:
                res = admin.post(url, data=data)
                assert res.status_code < 500, (url, data, res.status_code)


def test_personal_filter_masks_for_viewers(app, staff_factory):
    """The |personal filter shows a phone in full to staff and masked to viewers."""
    from console.auth import login_user
    from flask import render_template_string
    for role, expected in (("staff", "13812345678"), ("viewer", "138****5678")):
        person = staff_factory(role=role)
        with app.test_request_context("/console/"):
            login_user(db.session.get(Staff, person.id))
            assert render_template_string('{{ "13812345678"|personal("phone") }}') == expected


def test_a_broken_widget_does_not_break_the_dashboard(client, staff_factory, logged_in, monkeypatch):
    """A feature widget that raises shows a 'cannot count now' card; the rest of the dashboard still renders."""
    from console import registry

    def broken(_me):
        raise RuntimeError("table missing")
    monkeypatch.setitem(registry.FEATURES, "broken", registry.Feature(
        name="broken", widgets=[registry.Widget(title="坏掉的统计", count=broken)]))
    page = logged_in(client, staff_factory(role="admin")).get("/console/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "坏掉的统计" in text and "暂时无法统计" in text and "在岗工作人员" in text


def test_nav_to_a_missing_page_fails_at_start(make_app, monkeypatch):
    """A feature whose nav entry names no page stops the app at start, naming the feature."""
    from console import registry
    monkeypatch.setitem(registry.FEATURES, "ghost", registry.Feature(
        name="ghost", nav=[registry.NavItem("幽灵", "ghost.index")]))
    with pytest.raises(RuntimeError, match="ghost"):
        make_app()


def test_audit_page_reads_in_chinese_and_china_time(app, client, staff_factory, logged_in):
    """The audit page names actions, objects and fields in Chinese and shows a recorded UTC moment in China time
    (16:30 UTC on 4 Dec is 00:30 on 5 Dec in Beijing)."""
    from datetime import datetime

    from services import audit
    from services.clock import utcnow
    with app.app_context():
        audit.record(actor="test", action="complaint.assign", obj_type="case", obj_id="TS2026", now=utcnow(),
                     before={"department_id": 1}, after={"department_id": 2,
                                                          "scheduled_at": datetime(2026, 12, 4, 16, 30)})
        db.session.commit()
    admin = logged_in(client, staff_factory(role="admin"))
    page = admin.get("/console/audit/?object_id=TS2026").get_data(as_text=True)
    assert "案件·交办" in page and "部门编号" in page and "定时时间" in page
    assert "2026-12-05 00:30（北京时间）" in page and "2026-12-04T16:30" not in page


def test_staff_polls_and_tokens_lists_are_paginated(app, client, staff_factory, logged_in):
    """With 55 accounts the 用户管理 list shows 50 and a pager; page 2 holds the rest."""
    admin = staff_factory(role="admin", username="aaa.admin")
    for n in range(54):
        staff_factory(role="staff", username=f"clerk{n:02d}")
    user = logged_in(client, admin)
    first = user.get("/console/staff/").get_data(as_text=True)
    assert "共 55 条" in first and "下一页" in first and "clerk48" in first and "clerk49" not in first
    second = user.get("/console/staff/?page=2").get_data(as_text=True)
    assert "clerk49" in second and "clerk53" in second and "aaa.admin" not in second.split("<tbody>")[1]
    assert user.get("/console/polls/").status_code == 200 and user.get("/console/tokens/").status_code == 200
