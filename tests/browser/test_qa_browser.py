"""维权问答 in a real Chromium: staff try a question and turn an unanswered one into a paraphrase, on a phone."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from extensions import db
from services import faq
from tests.support.browser import console_login
from tests.support.console import STAFF_PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_try_box_and_queue_on_a_phone(app, live_app, browser_page, staff_factory, wechat):
    """On a 390 px phone, the try box ranks entries with scores and a queued question becomes a paraphrase."""
    with app.app_context():
        faq.import_dir()
        db.session.commit()
        faq.loaded()        # build the index ahead, as each worker's warm-up does (cold, it can outlast the deadline)
    wechat.say("光伏板发电量不够")
    clerk = staff_factory(role="staff")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    console_login(page, live_app, clerk.username, STAFF_PASSWORD)

    page.goto(f"{live_app}/console/kb/try")
    page.fill("#q", "tb买的衣服不想要了能退吗")
    page.click("button.primary")
    expect(page.locator("table").get_by_text("return-7day-online").first).to_be_visible()   # waits for the reload
    expect(page.get_by_text("直接回答").first).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/kb_try_phone.png", full_page=True)

    page.goto(f"{live_app}/console/kb/queue")
    row = page.locator("tr", has_text="光伏板发电量不够")
    row.locator("input[name=slug]").fill("quality-not-as-described")
    row.get_by_role("button", name="加为问法").click()
    expect(page.get_by_text("已把这个问法加到「quality-not-as-described」")).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/kb_queue_phone.png", full_page=True)
