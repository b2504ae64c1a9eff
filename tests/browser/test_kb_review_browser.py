"""Knowledge-base review in a real headless Chromium (issue 16 §4): a clerk's edit waits for a colleague, who sees
it as a diff against what the bot says now and approves it; the entry then shows the new text and who approved it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from extensions import db
from services import faq
from tests.support.browser import console_login

pytestmark = pytest.mark.browser
SLUG = "return-7day-online"
ADDED = "平台应当在收到退回商品之日起七日内退还价款。"


def test_clerk_edit_is_approved_by_a_colleague(app, live_app, browser, browser_page, staff_factory):
    """The clerk submits an edit and is told it waits; the clerk's own proposal page offers no approve button; a
    colleague opens 待审核修改, sees the added sentence highlighted, approves; the entry page shows it live."""
    with app.app_context():
        faq.import_dir()
        db.session.commit()
    clerk, checker = staff_factory(role="staff"), staff_factory(role="staff")
    page = browser_page
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/kb/entries/{SLUG}")
    answer = page.locator("textarea[name=answer]")
    answer.fill(answer.input_value() + ADDED)
    page.click("button:has-text('提交审核')")
    expect(page.locator(".flash-ok")).to_contain_text("须由另一位同事")
    expect(page.locator("h1")).to_contain_text(SLUG)
    expect(page.locator("body")).to_contain_text("这是您提交的修改")
    assert page.locator("button:has-text('审核通过')").count() == 0

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    other = context.new_page()
    other.set_default_timeout(10_000)
    try:
        console_login(other, live_app, checker.username, checker.password)
        other.goto(f"{live_app}/console/kb/review")
        other.click(f"text={SLUG}")
        expect(other.locator(".diff-text ins", has_text=ADDED)).to_have_text(ADDED)
        answer_row = other.locator("tr", has=other.locator("td", has_text="答案"))
        assert answer_row.locator("del").count() == 0 and answer_row.locator("ins").count() == 1   # CRLF is no change
        expect(other.locator("#proposed-answer")).to_contain_text(ADDED)
        other.click("button:has-text('审核通过')")
        expect(other.locator(".flash-ok")).to_contain_text("已审核通过")
        assert other.locator("textarea[name=answer]").input_value().endswith(ADDED)
        expect(other.locator("table").last).to_contain_text(checker.username)
    finally:
        context.close()
