"""消费调查 in a real headless Chromium at phone width: a clerk creates a survey, starts it, and after a follower's
answers sees the chart and the text answer on the results page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from services.clock import to_china, utcnow
from tests.support.browser import console_login

pytestmark = pytest.mark.browser


def test_clerk_runs_a_survey_from_a_phone(app, live_app, browser_page, staff_factory, consumer):
    """Create with a single-choice and a text question, start it, a follower answers, the results show both."""
    clerk = staff_factory(username="survey_clerk")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/surveys/")
    expect(page.locator(".empty")).to_contain_text("还没有调查")
    now = utcnow()
    page.fill("#title", "网购满意度调查")
    page.fill("#opens_at", f"{to_china(now + timedelta(hours=1)):%Y-%m-%dT%H:%M}")
    page.fill("#closes_at", f"{to_china(now + timedelta(days=7)):%Y-%m-%dT%H:%M}")
    page.select_option("#q1_kind", "single")
    page.fill("#q1_text", "您常用哪个平台？")
    page.fill("#q1_options", "甲平台\n乙平台")
    page.select_option("#q2_kind", "text")
    page.fill("#q2_text", "您的建议？")
    page.click("#survey-form button[type=submit]")
    expect(page.locator(".flash-ok")).to_contain_text("已保存调查")
    expect(page.locator(".toolbar .badge").first).to_have_text("未开始")
    page.click("button:has-text('立即开始')")
    expect(page.locator(".toolbar .badge").first).to_have_text("进行中")

    follower = consumer("o_survey_phone")
    follower.follow()
    follower.say("调查")
    follower.say("2")
    follower.say("退货太慢")
    assert "感谢您参加" in follower.say("确认").text
    page.reload()
    expect(page.locator("#answered")).to_have_text("1")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("ul.answers")).to_contain_text("退货太慢")
