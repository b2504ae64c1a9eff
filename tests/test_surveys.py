"""消费调查: every question kind answered through the webhook, re-sent answers filed once, anonymous responses
unlinkable in the export, opening and closing on schedule, results in the console."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from extensions import db
from models.publication import Publication
from models.survey import QuestionKind, SurveyResponse, SurveyStatus
from scheduler.jobs import JOBS
from services import surveys
from services.clock import utcnow

QUESTIONS = [
    surveys.QuestionSpec(QuestionKind.SINGLE, "您最常在哪里买菜？", ["超市", "农贸市场", "网上"]),
    surveys.QuestionSpec(QuestionKind.MULTI, "您遇到过哪些问题？", ["缺斤短两", "过期食品", "价格欺诈", "虚假宣传"]),
    surveys.QuestionSpec(QuestionKind.RATING, "您对本县消费环境的满意度？"),
    surveys.QuestionSpec(QuestionKind.TEXT, "您还有什么建议？"),
]


def _survey(app, *, anonymous: bool = False, status: SurveyStatus = SurveyStatus.OPEN) -> int:
    now = utcnow()
    with app.app_context():
        survey = surveys.create(title="2027年消费环境调查", intro="占用您一分钟。", anonymous=anonymous,
                                opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=7),
                                questions=QUESTIONS, by="tester", now=now)
        if status == SurveyStatus.OPEN:
            surveys.transition(survey_id=survey.id, to=SurveyStatus.OPEN, by="tester", now=now)
        db.session.commit()
        return survey.id


def _answer_all(user, *, text: str = "希望多查查网店") -> str:
    user.follow()
    user.say("调查")
    user.say("2")
    user.say("1 3")
    user.say("4")
    return user.say(text).text


def test_every_question_kind_is_answered_through_the_webhook(app, wechat):
    """Single, multiple, rating and text are asked in turn, bad answers re-asked, and 确认 files them once."""
    survey_id = _survey(app)
    wechat.follow()
    first = wechat.say("调查").text
    assert "2027年消费环境调查" in first and "第1题（共4题，单选）" in first and "2. 农贸市场" in first
    assert "请回复一个选项编号（1到3）" in wechat.say("5").text
    assert "第2题（共4题，多选）" in wechat.say("2").text
    assert "请回复选项编号" in wechat.say("1 9").text
    assert "评分" in wechat.say("1、3").text
    assert "请回复1到5之间" in wechat.say("6").text
    assert "简答" in wechat.say("4").text
    summary = wechat.say("希望多查查网店").text
    assert "农贸市场" in summary and "缺斤短两、价格欺诈" in summary and "4分" in summary and "希望多查查网店" in summary
    assert "感谢您参加" in wechat.say("确认").text
    assert "已参加过" in wechat.say("调查").text
    with app.app_context():
        response = db.session.scalars(select(SurveyResponse)).one()
        by_text = {q.text: response.answers[str(q.id)] for q in surveys.get(survey_id).questions}
        assert by_text == {"您最常在哪里买菜？": [2], "您遇到过哪些问题？": [1, 3], "您对本县消费环境的满意度？": 4,
                           "您还有什么建议？": "希望多查查网店"}
        assert response.openid == wechat.openid


def test_a_resent_confirm_files_one_response(app, wechat):
    """WeChat re-sending 确认 (same MsgId), and 确认 sent twice, leave exactly one response."""
    _survey(app)
    _answer_all(wechat)
    body, params = wechat.build({"MsgType": "text", "Content": "确认"})
    first, again = wechat.post(body, params), wechat.post(body, params)
    assert "感谢您参加" in first.text and first.text == again.text
    assert "感谢您参加" not in wechat.say("确认").text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_anonymous_responses_are_unlinkable_in_the_export(app, consumer, client, staff_factory, logged_in):
    """An anonymous survey stores no openid and its export has no follower column nor time; a named one has both."""
    anonymous_id = _survey(app, anonymous=True)
    for n in range(2):
        user = consumer(f"o_anon_{n}")
        _answer_all(user, text=f"建议{n}，电话1381234567{n}")
        assert "感谢您参加" in user.say("确认").text
    staff = logged_in(client, staff_factory(role="admin"))
    book = load_workbook(BytesIO(staff.get(f"/console/surveys/{anonymous_id}/export.xlsx").data))
    rows = list(book.active.values)
    assert rows[0][0] == "1. 您最常在哪里买菜？" and len(rows) == 3
    flat = " ".join(str(v) for row in rows for v in row)
    assert "o_anon" not in flat and "粉丝" not in flat and "提交时间" not in flat and "建议1" in flat
    assert "13812345671" not in flat                                     # phones typed in answers are masked
    with app.app_context():
        assert db.session.scalars(select(SurveyResponse.openid)).all() == [None, None]
    page = staff.get(f"/console/surveys/{anonymous_id}").get_data(as_text=True)
    assert 'id="answered">2<' in page and "建议0" in page and "平均 4.0 分" in page and "<svg" in page
    assert "13812345670" not in page


def test_unfollowing_erases_the_respondent_but_keeps_the_answers(app, wechat):
    """After unsubscribing, a named survey's response keeps its answers without the openid; re-following cannot
    answer again."""
    survey_id = _survey(app)
    _answer_all(wechat)
    wechat.say("确认")
    wechat.unfollow()
    with app.app_context():
        response = db.session.scalars(select(SurveyResponse)).one()
        assert response.openid is None and len(response.answers) == 4
    wechat.follow()
    assert "已参加过" in wechat.say("调查").text
    with app.app_context():
        assert len(surveys.responses(survey_id)) == 1


def test_surveys_open_and_close_on_schedule(app, wechat):
    """A draft opens at its time (the scheduler job), chat offers it, and after closing chat says there is none."""
    survey_id = _survey(app, status=SurveyStatus.DRAFT)
    wechat.follow()
    assert "目前没有正在进行的消费调查" in wechat.say("调查").text
    next(job for job in JOBS if job.id == "surveys.open_due").run(app)       # as the scheduler runs it
    with app.app_context():
        assert surveys.open_due(now=utcnow()) == 0
    assert "第1题" in wechat.say("调查").text
    wechat.say("取消")
    with app.app_context():
        assert surveys.close_due(now=utcnow() + timedelta(days=8)) == 1
        db.session.commit()                 # as the surveys.close_due job does
        assert surveys.get(survey_id).status == SurveyStatus.CLOSED
    assert "目前没有正在进行的消费调查" in wechat.say("调查").text


def test_the_campaign_report_counts_surveys_and_their_answers(app, wechat, client, staff_factory, logged_in):
    """A survey open during the campaign and one answer filed in it appear in the 活动情况 figures."""
    _survey(app)
    _answer_all(wechat)
    assert "感谢您参加" in wechat.say("确认").text
    admin = logged_in(client, staff_factory(role="admin"))
    today = utcnow().date()
    made = admin.post("/console/campaigns/", data={"name": "调查月", "starts_on": (today - timedelta(days=1)).isoformat(),
                                                   "ends_on": (today + timedelta(days=1)).isoformat()})
    page = admin.get(made.headers["Location"]).get_data(as_text=True)
    assert 'data-figure="消费调查:开展调查">1<' in page and 'data-figure="消费调查:收到答卷">1<' in page


def test_a_survey_is_announced_by_one_publication_draft(app, client, staff_factory, logged_in):
    """生成调查通知 drafts one 消费提示 telling followers to send 调查; pressing it again opens the same draft."""
    survey_id = _survey(app, anonymous=True)
    clerk = logged_in(client, staff_factory())
    first = clerk.post(f"/console/surveys/{survey_id}/announce")
    again = clerk.post(f"/console/surveys/{survey_id}/announce")
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    with app.app_context():
        pub = db.session.scalars(select(Publication)).one()
        assert (pub.kind, pub.kind_label, pub.status) == ("tip", "消费提示", "draft")
        assert pub.title == "消费调查：2027年消费环境调查" and "发送“调查”" in pub.body and "匿名" in pub.body
        assert surveys.get(survey_id).publication_id == pub.id


def test_staff_create_a_survey_in_the_console(app, client, staff_factory, logged_in):
    """A clerk saves a four-kind survey; a choice question with one option is refused with the reason."""
    clerk = logged_in(client, staff_factory())
    form = {"title": "网购满意度", "opens_at": "2027-03-01T09:00", "closes_at": "2027-03-15T18:00",
            "q1_kind": "single", "q1_text": "常用平台？", "q1_options": "甲\n乙",
            "q2_kind": "multi", "q2_text": "遇到的问题？", "q2_options": "只有一个",
            "q3_kind": "rating", "q3_text": "满意度？", "q4_kind": "text", "q4_text": "建议？"}
    bad = clerk.post("/console/surveys/", data=form)
    assert bad.status_code == 422 and "第2题（多选）至少要有两个选项" in bad.get_data(as_text=True)
    form["q2_options"] = "退货难\n假货"
    assert clerk.post("/console/surveys/", data=form).status_code == 302
    with app.app_context():
        survey = surveys.listing()[0]
        assert [q.kind for q in survey.questions] == ["single", "multi", "rating", "text"]
        assert survey.status == SurveyStatus.DRAFT
