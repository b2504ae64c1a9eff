"""消费调查's mobile page in a real headless Chromium at phone size: a follower opens the link chat gave them, is
told what is missing, fills every kind of question and submits once."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.survey import QuestionKind, SurveyResponse, SurveyStatus
from services import surveys
from services.clock import utcnow

pytestmark = pytest.mark.browser

PUBLIC = "https://wx.example.gov.cn"


@pytest.fixture
def app(make_app):
    """The app as deployed behind its public address, so chat offers the page."""
    return make_app(PUBLIC_BASE_URL=PUBLIC)


def test_a_follower_fills_the_survey_on_a_phone(app, live_app, browser_page, consumer):
    """On a 390×844 screen with no horizontal scroll: submitting with the rating unanswered shows the reason and
    keeps the choices; answering it files one response with every kind; reloading says it was already answered."""
    now = utcnow()
    with app.app_context():
        survey = surveys.create(
            title="网购满意度调查", intro="占用您两分钟。", anonymous=False, opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=3), by="tester", now=now,
            questions=[surveys.QuestionSpec(QuestionKind.SINGLE, "您常用哪个平台？", ["甲平台", "乙平台"]),
                       surveys.QuestionSpec(QuestionKind.MULTI, "遇到过哪些问题？", ["退货难", "假货", "虚假宣传"]),
                       surveys.QuestionSpec(QuestionKind.RATING, "总体满意度？"),
                       surveys.QuestionSpec(QuestionKind.TEXT, "您的建议？")])
        surveys.transition(survey_id=survey.id, to=SurveyStatus.OPEN, by="tester", now=now)
        db.session.commit()
        survey_id = survey.id
    follower = consumer("o_phone_page")
    follower.follow()
    link = re.search(r'<a href="([^"]+)">', follower.say("调查").text).group(1)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_app}{parts.path}?{parts.query}")          # the public address is the proxy in front of it
    expect(page.locator("h1")).to_have_text("网购满意度调查")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.check("text=乙平台")
    page.check("text=退货难")
    page.check("text=虚假宣传")
    page.fill("textarea", "希望退货更方便")
    page.locator("form").evaluate("f => f.noValidate = true")      # let the server, not the browser, refuse it
    page.click("button.survey-submit")
    expect(page.locator("#form-error")).to_contain_text("还有1道题没有回答")
    expect(page.locator(".question-bad .question-error")).to_have_text("请选择1到5分")
    expect(page.get_by_label("乙平台")).to_be_checked()
    expect(page.locator("textarea")).to_have_value("希望退货更方便")
    page.click(".rate:has-text('4')")
    page.click("button.survey-submit")
    expect(page.locator("#message")).to_contain_text("提交成功")
    page.goto(f"{live_app}{parts.path}?{parts.query}")
    expect(page.locator("#message")).to_contain_text("已参加过")
    with app.app_context():
        response = db.session.scalars(select(SurveyResponse)).one()
        by_text = {q.text: response.answers[str(q.id)] for q in surveys.get(survey_id).questions}
    assert by_text == {"您常用哪个平台？": [2], "遇到过哪些问题？": [1, 3], "总体满意度？": 4, "您的建议？": "希望退货更方便"}
