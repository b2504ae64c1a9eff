"""你点我检 in a real headless Chromium at phone width: create a poll, open it, watch a vote land in the live
results chart, close it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from services.clock import to_china, utcnow
from tests.support.browser import console_login
from tests.support.polls import vote

pytestmark = pytest.mark.browser


def test_staff_runs_a_poll_from_a_phone(app, live_app, browser_page, staff_factory, consumer):
    """A clerk on a phone creates a poll, starts it, sees a follower's vote ranked with an SVG bar, and closes it."""
    clerk = staff_factory(role="staff", display_name="李股长")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/polls/")
    expect(page.locator(".empty")).to_contain_text("还没有投票")
    page.click("text=新建投票")
    now = utcnow()
    page.fill("#title", "春节食品你点我检")
    page.fill("#opens_at", f"{to_china(now + timedelta(hours=1)):%Y-%m-%dT%H:%M}")
    page.fill("#closes_at", f"{to_china(now + timedelta(days=7)):%Y-%m-%dT%H:%M}")
    page.fill("#q1_text", "您最想抽检哪些食品？")
    page.fill("#q1_options", "牛奶\n鸡蛋\n大米")
    page.fill("#q1_max", "2")
    page.fill("#q1_top", "1")
    page.fill("#q2_text", "您最想抽检哪些场所？")
    page.fill("#q2_options", "超市\n农贸市场")
    page.fill("#q2_max", "1")
    page.fill("#q2_top", "1")
    page.click("button:has-text('保存')")
    expect(page.locator(".flash-ok")).to_contain_text("已保存")
    expect(page.locator(".toolbar .badge").first).to_have_text("草稿")
    page.click("button:has-text('立即开始投票')")
    expect(page.locator(".toolbar .badge").first).to_have_text("投票中")

    vote(consumer("o_phone_voter"), "2", "1")
    page.reload()
    expect(page.locator("#ballots")).to_have_text("1")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("table").first).to_contain_text("鸡蛋")
    page.click("button:has-text('结束投票')")
    expect(page.locator(".toolbar .badge").first).to_have_text("已结束")
