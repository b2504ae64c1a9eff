"""Complaints in a real headless Chromium: a 所 clerk finds a new case in the queue, opens it, accepts it, and
the case page still works at phone width."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from services.clock import utcnow
from tests.support.browser import console_login
from tests.support.complaints import file_case

pytestmark = pytest.mark.browser


def test_clerk_accepts_a_case_from_the_queue(app, live_app, browser_page, departments, staff_factory, sim):
    """The clerk of the routed 所 opens the new case from 投诉举报, presses 受理, and sees the new status and date."""
    with app.app_context():
        number = file_case(now=utcnow()).number
    clerk = staff_factory(role="staff", department="城关市场监督管理所", display_name="王所")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})          # a phone
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/complaints/")
    page.click(f"text={number}")
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("body")).to_contain_text("13812345678")
    page.click("button:has-text('受理')")
    expect(page.locator(".flash-ok")).to_contain_text("已受理")
    expect(page.locator(".toolbar .badge").first).to_have_text("已受理，调解中")
    expect(page.locator(".history")).to_contain_text("待受理 → 已受理，调解中")
