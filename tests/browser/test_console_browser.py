"""The staff console in a real headless Chromium: sign in, dashboard, an admin creates an account, that account
is kept out of user management, and repeated wrong passwords make that address wait."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import console_login

pytestmark = pytest.mark.browser


def test_admin_creates_staff_who_cannot_open_user_management(live_app, browser_page, departments, staff_factory):
    """An admin signs in, sees the dashboard, creates a staff account; that account signs in and gets 403 on 用户管理."""
    page = browser_page
    admin = staff_factory(role="admin", display_name="李局")
    console_login(page, live_app, admin.username, admin.password)
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator(".nav")).to_contain_text("李局")

    page.click("nav >> text=用户管理")
    page.click("#new-staff")
    page.fill("#username", "sun.li")
    page.fill("#display_name", "孙丽")
    page.fill("#password", "a-long-password-1")
    page.select_option("#role", "staff")
    page.select_option("#department_id", label="东风市场监督管理所")
    page.click("#save")
    expect(page.locator("table")).to_contain_text("sun.li")
    expect(page.locator("table")).to_contain_text("东风市场监督管理所")

    page.click("nav >> text=退出")
    expect(page.locator("h1")).to_have_text("工作人员登录")
    console_login(page, live_app, "sun.li", "a-long-password-1")
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator(".nav")).not_to_contain_text("用户管理")
    response = page.goto(f"{live_app}/console/staff/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("没有权限")
    expect(page.locator("#error-reason")).to_contain_text("管理员")


def test_form_errors_show_per_field(live_app, browser_page, staff_factory):
    """Submitting 新建账号 with a short password shows the Chinese error under that field and keeps the page."""
    page = browser_page
    admin = staff_factory(role="admin")
    console_login(page, live_app, admin.username, admin.password)
    page.goto(f"{live_app}/console/staff/new")
    page.fill("#username", "tiny.pw")
    page.fill("#password", "123")
    page.click("#save")
    expect(page.locator("#password-error")).to_have_text("至少 10 位")
    page.goto(f"{live_app}/console/staff/")
    expect(page.locator("table")).not_to_contain_text("tiny.pw")


def test_wrong_passwords_make_the_browser_wait(live_app, browser_page, staff_factory):
    """Five wrong passwords in the browser make this account+address wait, and the page says for how long."""
    page = browser_page
    person = staff_factory()
    for _ in range(4):
        console_login(page, live_app, person.username, "not-the-password")
        expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    console_login(page, live_app, person.username, "not-the-password")
    expect(page.locator("#login-error")).to_contain_text("分钟后再试")
    console_login(page, live_app, person.username, person.password)
    expect(page.locator("#login-error")).to_contain_text("分钟后再试")
    expect(page.locator("h1")).to_have_text("工作人员登录")


def test_phone_width_menu_opens(live_app, browser_page, staff_factory):
    """On a 375 px screen the navigation folds behind ☰ and opens when tapped."""
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})
    admin = staff_factory(role="admin")
    console_login(page, live_app, admin.username, admin.password)
    nav_link = page.locator("nav >> text=部门")
    expect(nav_link).to_be_hidden()
    page.click(".nav-burger")
    expect(nav_link).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


def test_api_over_real_http(live_app, browser_page, staff_factory):
    """Over real HTTP: /api answers 401 without a token, 403 for the wrong role, and serves a valid OpenAPI 3 doc."""
    from openapi_spec_validator import validate

    request = browser_page.request
    anonymous = request.get(f"{live_app}/api/staff/")
    assert anonymous.status == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")

    clerk = staff_factory(role="staff")
    login = request.post(f"{live_app}/api/auth/login", data={"username": clerk.username, "password": clerk.password})
    assert login.status == 200
    wrong_role = request.get(f"{live_app}/api/staff/", headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert wrong_role.status == 403 and "管理员" in wrong_role.json()["error"]["message"]

    spec = request.get(f"{live_app}/api/openapi.json")
    assert spec.status == 200
    validate(spec.json())
