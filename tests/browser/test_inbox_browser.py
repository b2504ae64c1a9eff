"""人工值守 in a real headless Chromium: a new thread appears in the open inbox without reloading (ETag polling),
the unread badge follows, a reply goes out from the thread page, and the binding page shows a one-time QR code."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import console_login
from tests.support.inbox import on_duty_now, staff_texts

pytestmark = pytest.mark.browser


def test_new_thread_appears_live_and_staff_reply(app, live_app, browser_page, wechat, sim, staff_factory):
    """With the inbox open, a follower's 人工 shows up by polling; the staff member opens it and replies."""
    page = browser_page
    admin = staff_factory(role="admin", display_name="值班员")
    on_duty_now(app, admin.id)
    console_login(page, live_app, admin.username, admin.password)
    page.goto(f"{live_app}/console/messages/")
    expect(page.locator("#threads")).to_contain_text("没有符合条件的对话")
    page.wait_for_function("() => performance.getEntriesByType('resource').some(e => e.name.includes('live.json'))")
    wechat.say("人工")
    wechat.say("电动车电池鼓包了")
    expect(page.locator("#threads")).to_contain_text("电动车电池鼓包了", timeout=15_000)   # no reload
    expect(page.locator("[data-unread]").first).to_have_text("1")
    page.click(".thread-row a")
    expect(page.locator("#messages")).to_contain_text("电动车电池鼓包了")
    page.fill("#reply-text", "请拍照发给我们，我们联系商家。")
    page.click("form.reply button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("客服消息已送达")
    assert staff_texts(sim) == ["【工作人员回复】请拍照发给我们，我们联系商家。"]


def test_binding_page_shows_a_one_time_qr(live_app, browser_page, staff_factory):
    """我的微信 generates a QR code from qrcode/create, valid for 10 minutes and single use."""
    page = browser_page
    person = staff_factory(role="staff")
    console_login(page, live_app, person.username, person.password)
    page.click("nav >> text=我的微信")
    expect(page.locator("#bind-status")).to_contain_text("还没有绑定微信")
    page.click("text=生成绑定二维码")
    expect(page.locator("#bind-qr")).to_have_attribute("data-ticket", __import__("re").compile("^SIMQR_"))
    expect(page.locator(".qr")).to_contain_text("只能使用一次")
