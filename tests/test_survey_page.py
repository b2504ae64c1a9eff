"""消费调查's mobile page: reached by the signed link chat gives each follower, one response per follower shared with
chat, anonymous answers unlinkable, and every bad request a Chinese 4xx page that writes nothing."""
from __future__ import annotations

import random
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from extensions import db
from models.survey import QuestionKind, SurveyResponse, SurveyStatus
from services import survey_links, surveys
from services.clock import utcnow
from sim.client import SimUser, http_transport
from tests.support.wechat import APP_ID, TOKEN, transport_for

PUBLIC = "https://wx.example.gov.cn"
QUESTIONS = [
    surveys.QuestionSpec(QuestionKind.SINGLE, "您最常在哪里买菜？", ["超市", "农贸市场", "网上"]),
    surveys.QuestionSpec(QuestionKind.MULTI, "您遇到过哪些问题？", ["缺斤短两", "过期食品", "价格欺诈", "虚假宣传"]),
    surveys.QuestionSpec(QuestionKind.RATING, "您对本县消费环境的满意度？"),
    surveys.QuestionSpec(QuestionKind.TEXT, "您还有什么建议？"),
]
LONG = QUESTIONS + [surveys.QuestionSpec(QuestionKind.RATING, f"第{n}项服务的满意度？") for n in range(1, 4)]


@pytest.fixture
def app(make_app):
    """The app as deployed behind its public address, so chat offers the page."""
    return make_app(PUBLIC_BASE_URL=PUBLIC)


def _survey(app, *, anonymous: bool = False, questions=QUESTIONS) -> int:
    now = utcnow()
    with app.app_context():
        survey = surveys.create(title="2027年消费环境调查", intro="占用您一分钟。", anonymous=anonymous,
                                opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=7),
                                questions=questions, by="tester", now=now)
        surveys.transition(survey_id=survey.id, to=SurveyStatus.OPEN, by="tester", now=now)
        db.session.commit()
        return survey.id


def _link(user) -> str:
    """The follower's page link from the reply to 调查 (as WeChat shows an <a href> in a text message)."""
    user.follow()
    reply = user.say("调查").text
    found = re.search(r'<a href="([^"]+)">', reply)
    assert found, reply
    return found.group(1)


def _token(link: str) -> str:
    assert link.startswith(f"{PUBLIC}/survey/?t=")
    return parse_qs(urlsplit(link).query)["t"][0]


def _form(app, survey_id: int, token: str, **override) -> dict:
    with app.app_context():
        q = {q.kind: f"q{q.id}" for q in surveys.get(survey_id).questions}
    form = {"t": token, q["single"]: "2", q["multi"]: ["1", "3"], q["rating"]: "4", q["text"]: "希望多查查网店"}
    form.update({q[kind]: value for kind, value in override.items()})
    return form


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_the_page_files_every_kind_once_even_when_submitted_twice(app, client, wechat):
    """The link from chat opens the whole survey; submitting twice files one response with the answers as chat
    would store them, and 确认 in chat afterwards is told it was already answered."""
    survey_id = _survey(app)
    link = _link(wechat)
    token = _token(link)
    page = client.get(f"/survey/?t={token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2027年消费环境调查" in html and "农贸市场" in html and "共4题" in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"] and page.headers["Cache-Control"] == "no-store"
    assert "<script" not in html and "http" not in re.sub(r'href="/survey/static/[^"]+"', "", html.split("<body")[1])
    form = _form(app, survey_id, token)
    first, again = client.post("/survey/", data=form), client.post("/survey/", data=form)
    assert first.status_code == 200 and "提交成功" in first.get_data(as_text=True)
    assert again.status_code == 200 and "已参加过" in again.get_data(as_text=True)
    assert _count(app) == 1
    with app.app_context():
        response = db.session.scalars(select(SurveyResponse)).one()
        by_text = {q.text: response.answers[str(q.id)] for q in surveys.get(survey_id).questions}
        assert by_text == {"您最常在哪里买菜？": [2], "您遇到过哪些问题？": [1, 3], "您对本县消费环境的满意度？": 4,
                           "您还有什么建议？": "希望多查查网店"}
        assert response.openid == wechat.openid
    for answer in ("2", "1 3", "4", "无"):
        wechat.say(answer)
    assert "已参加过" in wechat.say("确认").text
    assert _count(app) == 1
    assert "已参加过" in client.get(f"/survey/?t={token}").get_data(as_text=True)


def test_a_response_filed_in_chat_closes_the_page(app, client, wechat):
    """A follower who answered in chat and then opens the link is told they took part; posting files nothing."""
    survey_id = _survey(app)
    token = _token(_link(wechat))
    for answer in ("2", "1 3", "4", "无"):
        wechat.say(answer)
    assert "感谢您参加" in wechat.say("确认").text
    posted = client.post("/survey/", data=_form(app, survey_id, token, rating="1"))
    assert posted.status_code == 200 and "已参加过" in posted.get_data(as_text=True)
    assert _count(app) == 1


def test_a_long_survey_recommends_the_page_before_the_first_question(app, wechat):
    """More than five questions: the link comes first, with the count; a short survey offers it after question 1."""
    _survey(app, questions=LONG)
    wechat.follow()
    reply = wechat.say("调查").text
    assert reply.index("本调查共7题，建议") < reply.index("第1题（共7题")
    assert f'<a href="{PUBLIC}/survey/?t=' in reply


def test_anonymous_answers_from_the_page_are_unlinkable(app, client, consumer, staff_factory, logged_in):
    """An anonymous survey answered on the page stores no openid, its export names no one, and the link shows no
    openid."""
    survey_id = _survey(app, anonymous=True)
    for n in range(2):
        user = consumer(f"o_web_anon_{n}")
        link = _link(user)
        assert "o_web_anon" not in link
        assert client.post("/survey/", data=_form(app, survey_id, _token(link), text=f"建议{n}")).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(SurveyResponse.openid)).all() == [None, None]
    admin = logged_in(app.test_client(), staff_factory(role="admin"))
    rows = list(load_workbook(BytesIO(admin.get(f"/console/surveys/{survey_id}/export.xlsx").data)).active.values)
    flat = " ".join(str(v) for row in rows for v in row)
    assert len(rows) == 3 and "o_web_anon" not in flat and "粉丝" not in flat and "建议1" in flat


def test_a_missing_answer_is_a_422_form_that_keeps_the_answers(app, client, wechat):
    """Leaving the rating and the multiple choice unanswered re-shows the form with both marked and nothing filed;
    the text question may be left empty."""
    survey_id = _survey(app)
    token = _token(_link(wechat))
    form = _form(app, survey_id, token, text="")
    with app.app_context():
        questions = surveys.get(survey_id).questions
    for q in questions:
        if q.kind in {"rating", "multi"}:
            form.pop(f"q{q.id}")
    bad = client.post("/survey/", data=form)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "还有2道题没有回答" in html and "请选择1到5分" in html and "请至少选择一项" in html
    assert re.search(r'value="2" checked', html)                     # the single choice kept
    assert _count(app) == 0
    out_of_range = client.post("/survey/", data=_form(app, survey_id, token, single="9"))
    assert out_of_range.status_code == 422 and "请选择一项" in out_of_range.get_data(as_text=True)
    assert client.post("/survey/", data=_form(app, survey_id, token, text="")).status_code == 200
    assert _count(app) == 1


def test_a_tampered_or_expired_link_is_refused_in_chinese(app, client, wechat):
    """A changed token is 403, another key's token 403, a token older than the link's life 410; none writes."""
    survey_id = _survey(app)
    token = _token(_link(wechat))
    tampered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    for bad in (tampered, "", "not-a-token"):
        res = client.post("/survey/", data=_form(app, survey_id, bad))
        assert res.status_code == 403 and "链接无效" in res.get_data(as_text=True)
    foreign = survey_links.Links(base=PUBLIC, secret="another-key").token(survey_id=survey_id, openid=wechat.openid,
                                                                          now=utcnow())
    assert client.get(f"/survey/?t={foreign}").status_code == 403
    with app.app_context():
        old = survey_links.Links.of(app.config).token(
            survey_id=survey_id, openid=wechat.openid, now=utcnow() - timedelta(hours=survey_links.LINK_HOURS + 1))
    expired = client.post("/survey/", data=_form(app, survey_id, old))
    assert expired.status_code == 410 and "链接已过期" in expired.get_data(as_text=True)
    assert _count(app) == 0


def test_an_oversized_body_is_a_chinese_413_that_files_nothing(app, client, wechat):
    """A text answer far beyond the app's 64 KiB body limit is refused with a Chinese page, nothing filed; one just
    over the 500-character answer limit is a 422 naming it."""
    survey_id = _survey(app)
    token = _token(_link(wechat))
    huge = client.post("/survey/", data=_form(app, survey_id, token, text="长" * 70_000))
    assert huge.status_code == 413 and "提交的内容过长" in huge.get_data(as_text=True)
    long = client.post("/survey/", data=_form(app, survey_id, token, text="长" * 501))
    assert long.status_code == 422 and "请控制在500字以内" in long.get_data(as_text=True)
    assert _count(app) == 0


def test_a_closed_survey_or_a_departed_follower_is_refused(app, client, wechat):
    """After the survey closes the link answers 409 「已经结束」; after unfollowing it answers 403; nothing is filed."""
    survey_id = _survey(app)
    token = _token(_link(wechat))
    wechat.unfollow()
    left = client.post("/survey/", data=_form(app, survey_id, token))
    assert left.status_code == 403 and "请先关注" in left.get_data(as_text=True)
    wechat.follow()
    with app.app_context():
        surveys.transition(survey_id=survey_id, to=SurveyStatus.CLOSED, by="tester", now=utcnow())
        db.session.commit()
    closed = client.post("/survey/", data=_form(app, survey_id, token))
    assert closed.status_code == 409 and "已经结束" in closed.get_data(as_text=True)
    assert client.get(f"/survey/?t={token}").status_code == 409
    assert _count(app) == 0


def test_without_a_public_address_chat_offers_no_link(make_app, sim):
    """PUBLIC_BASE_URL unset: chat asks the questions as before and shows no link."""
    plain = make_app()
    _survey(plain)
    user = SimUser(transport_for(plain), token=TOKEN, app_id=APP_ID, openid="o_no_link", api_base=sim.url)
    user.follow()
    reply = user.say("调查").text
    assert "第1题" in reply and "<a href" not in reply


@pytest.fixture
def concurrent_db(app):
    """SQLite lets many threads write only in WAL mode (see tests/test_poll_integrity.py); PostgreSQL needs nothing."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA journal_mode=WAL"))
            db.session.commit()
    return app


def test_page_and_chat_racing_file_one_response_per_follower(concurrent_db, app, live_app):
    """Twelve followers each submit the page three times and send 确认 (delivered twice) all at once, over real
    HTTP: every request is answered 200 and each follower has exactly one response."""
    survey_id = _survey(app)
    followers = 12

    def user(i: int) -> SimUser:
        return SimUser(http_transport(live_app), token=TOKEN, app_id=APP_ID, openid=f"o_race_{i:02d}")

    def ready(i: int) -> tuple[str, bytes, dict[str, str]]:
        u = user(i)
        token = _token(_link(u))
        for answer in ("2", "1 3", "4", "无"):
            u.say(answer)
        body, params = u.build({"MsgType": "text", "Content": "确认"})
        return token, body, params

    def page(token: str) -> int:
        return requests.post(f"{live_app}/survey/", data=_form(app, survey_id, token), timeout=10).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        prepared = list(pool.map(ready, range(followers)))
        work = [("page", i) for i in range(followers) for _ in range(3)] + \
               [("chat", i) for i in range(followers) for _ in range(2)]
        random.Random(17).shuffle(work)
        statuses = list(pool.map(
            lambda w: page(prepared[w[1]][0]) if w[0] == "page" else user(w[1]).post(*prepared[w[1]][1:]).status,
            work))
    assert set(statuses) == {200}, Counter(statuses)
    with app.app_context():
        digests = db.session.scalars(select(SurveyResponse.voter_digest)).all()
    assert len(digests) == len(set(digests)) == followers
