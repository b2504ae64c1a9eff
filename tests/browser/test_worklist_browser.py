"""The complaint work list in a real headless Chromium (issue 16 §3): a clerk finds a case by the business name,
transfers it to a department with no staff and lands on the list with both notices, and an admin prints the case as
a 投诉处理单 (rendered to an A4 PDF by Chromium)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from services.clock import utcnow
from tests.support.browser import console_login
from tests.support.complaints import file_case

pytestmark = pytest.mark.browser


def _case(app) -> str:
    with app.app_context():
        return file_case(now=utcnow()).number


def test_clerk_finds_a_case_by_business_name(app, live_app, browser_page, departments, staff_factory):
    """Typing the business name in 搜索 lists the case; a name no case has shows the empty-list hint."""
    number = _case(app)
    clerk = staff_factory(role="staff", department="城关市场监督管理所")
    page = browser_page
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/complaints/")
    page.fill("#case-search", "好又多")
    page.click("form.filters button.primary")
    expect(page.locator("table")).to_contain_text(number)
    page.fill("#case-search", "沃尔玛")
    page.click("form.filters button.primary")
    expect(page.locator(".empty")).to_contain_text("没有符合条件的案件")


def test_transfer_lands_on_the_list_with_notices(app, live_app, browser_page, departments, staff_factory):
    """Transferring from the case page to 价格监督检查股 (no staff) returns to the list, which says where it went and
    that nobody there will receive it; the case is no longer in the clerk's list."""
    number = _case(app)
    clerk = staff_factory(role="staff", department="城关市场监督管理所")
    page = browser_page
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/complaints/")
    page.click(f"text={number}")
    form = page.locator("form", has=page.locator("select[name=department_id]")).last
    form.locator("select[name=department_id]").select_option(label="价格监督检查股")
    form.locator("button:has-text('交办')").click()
    expect(page).to_have_url(f"{live_app}/console/complaints/")
    expect(page.locator(".flash-ok")).to_contain_text("已交办给「价格监督检查股」")
    expect(page.locator(".flash-warn")).to_contain_text("没有在岗工作人员")
    expect(page.locator("body")).not_to_contain_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text(number)


def test_print_view_is_a_handling_sheet(app, live_app, browser_page, departments, staff_factory):
    """打印投诉处理单 opens the sheet in a new tab: heading, number, the note in 办理记录 with who wrote it, signature
    lines, no console navigation; Chromium prints it to a one-page A4 PDF."""
    number = _case(app)
    clerk = staff_factory(role="staff", department="城关市场监督管理所", display_name="李承办")
    page = browser_page
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/complaints/")
    page.click(f"text={number}")
    page.fill("form:has(button:has-text('添加备注')) textarea[name=text]", "已电话联系商家，约定周五调解")
    page.click("button:has-text('添加备注')")
    expect(page.locator(".flash-ok")).to_contain_text("已添加内部备注")
    with page.context.expect_page() as opened:
        page.click("text=打印投诉处理单")
    sheet = opened.value
    sheet.wait_for_load_state()
    expect(sheet.locator("h1")).to_contain_text("投诉处理单")
    expect(sheet.locator("body")).to_contain_text(number)
    expect(sheet.locator("body")).to_contain_text("已电话联系商家，约定周五调解")
    expect(sheet.locator("body")).to_contain_text("李承办")
    expect(sheet.locator(".print-sign")).to_contain_text("负责人（签字）")
    assert sheet.locator("nav").count() == 0
    sheet.emulate_media(media="print")
    pdf = sheet.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
