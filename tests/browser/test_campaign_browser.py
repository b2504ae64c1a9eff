"""活动情况 in a real headless Chromium: an admin creates the campaign, writes the 总结, uploads a captioned photo that
the page then shows, and downloads the Word report; a 核查处置 case is worked through its steps."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docx
import pytest
from playwright.sync_api import expect

from extensions import db
from models.disposal import Disposal
from models.poll import PollStatus
from services import sampling
from services.clock import utcnow
from tests.support.browser import console_login
from tests.support.images import random_png
from tests.support.polls import make_poll
from tests.support.sampling import add_batch, failing_eggs

pytestmark = pytest.mark.browser


def test_admin_builds_the_campaign_report_and_downloads_it(app, live_app, browser_page, staff_factory, departments,
                                                           tmp_path):
    """Create 2026年3·15, write the 总结, upload a photo with its caption; the .docx holds the text and the photo."""
    admin = staff_factory(role="admin", username="campaign_admin")
    page = browser_page
    console_login(page, live_app, admin.username, admin.password)
    page.goto(f"{live_app}/console/campaigns/")
    expect(page.locator(".empty")).to_contain_text("还没有活动")
    page.fill("#name", "2026年3·15")
    page.fill("#starts_on", "2026-03-10")
    page.fill("#ends_on", "2026-03-20")
    page.check("text=城关市场监督管理所")
    page.click("button:has-text('建立')")
    expect(page.locator(".flash-ok")).to_contain_text("已建立活动")
    expect(page.locator("h1")).to_contain_text("2026年3·15 活动情况")
    expect(page.locator("[data-figure='投诉举报:登记投诉']")).to_have_text("0")

    page.fill("#summary", "共开展现场咨询3场。")
    page.click("#text-form button")
    expect(page.locator(".flash-ok")).to_contain_text("已保存")
    photo = tmp_path / "scene.png"
    photo.write_bytes(random_png(seed=3))
    page.set_input_files("#photo", str(photo))
    page.fill("#caption", "3月15日 城关镇广场 现场咨询")
    page.click("#photo-form button")
    expect(page.locator(".flash-ok")).to_contain_text("已上传照片")
    expect(page.locator("figure figcaption")).to_have_text("3月15日 城关镇广场 现场咨询")
    # the image really loads: wait until the browser is done with it (loaded or failed), then read its width
    page.wait_for_function("() => { const img = document.querySelector('figure img'); return img && img.complete; }")
    assert page.locator("figure img").evaluate("img => img.naturalWidth") == 160

    with page.expect_download() as download:
        page.click("#download-docx")
    document = docx.Document(BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "共开展现场咨询3场。" in text and "图1　3月15日 城关镇广场 现场咨询" in text
    assert len(document.inline_shapes) == 1


def test_clerk_works_a_disposal_through_its_steps(app, live_app, browser_page, staff_factory, departments):
    """The 所's clerk opens the case from the list, serves the report (复检 deadline shown), closes it with the outcome."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    with app.app_context():
        add_batch(poll_id, now=utcnow(), results=[failing_eggs(poll_id)])
        sampling.publish(poll_id=poll_id, by="tester", now=utcnow())
        db.session.commit()
        number = db.session.query(Disposal).one().number
    clerk = staff_factory(department="城关市场监督管理所", username="disposal_clerk")
    page = browser_page
    console_login(page, live_app, clerk.username, clerk.password)
    page.goto(f"{live_app}/console/disposals/")
    page.click(f"text={number}")
    expect(page.locator("#disposal-status")).to_have_text("核查处置中")
    page.select_option("#step", "serve_report")
    page.fill("#on", "2026-09-30")
    page.click("#step-form button")
    expect(page.locator("#recheck-window")).to_contain_text("2026-10-15")
    page.select_option("#step", "close")
    page.fill("#on", "2026-10-20")
    page.click("#step-form button")
    expect(page.locator(".flash-error")).to_contain_text("结案请写明处置结果")
    page.select_option("#step", "close")
    page.fill("#on", "2026-10-20")
    page.fill("#note", "已责令下架并立案查处。")
    page.click("#step-form button")
    expect(page.locator("#disposal-status")).to_have_text("已结案（未公开）")
    expect(page.locator("#disposal-steps")).to_contain_text("已责令下架并立案查处。")
