"""二维码场景 in a real headless Chromium: an admin names a QR key, makes its permanent code, and a consumer scanning
it reads the label."""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.support.browser import console_login

pytestmark = pytest.mark.browser


def test_admin_names_a_scene_and_makes_its_code(live_app, browser_page, staff_factory, sim, wechat):
    """The admin adds a market's complaint scene from the nav, generates its code; the code carries the key and a
    consumer scanning it is greeted by the label and asked to consent to a complaint."""
    page = browser_page
    admin = staff_factory(role="admin")
    console_login(page, live_app, admin.username, admin.password)
    page.click("nav >> text=二维码场景")
    page.click("text=新建场景")
    page.fill("#key", "market_cg")
    page.fill("#label", "城关农贸市场")
    page.select_option("#action", "complaint")
    page.fill("#business_name", "城关农贸市场")
    page.click("button[type=submit].primary")
    expect(page.locator("table")).to_contain_text("城关农贸市场")
    expect(page.locator("table")).to_contain_text("开始投诉登记")

    page.click("table >> text=城关农贸市场")
    page.click("text=生成永久二维码")
    link = page.locator("a", has_text="查看 / 下载本场景的二维码图片")
    expect(link).to_be_visible()
    ticket = link.get_attribute("href").split("ticket=", 1)[1]
    scene = requests.get(f"{sim.url}/sim/qrcode/{ticket}", timeout=5).json()["scene"]
    assert scene == "market_cg"

    answer = wechat.follow(scene).text
    assert "「城关农贸市场」" in answer and "market_cg" not in answer and "个人信息告知" in answer
