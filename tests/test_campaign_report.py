"""The 活动情况 report: a campaign's figures equal the console lists for the same dates (for each reader), and the
downloaded .docx opens and holds those figures, the staff's 总结 and the uploaded photos with their captions."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from io import BytesIO

import docx
from PIL import Image
from sqlalchemy import select

from extensions import db
from models import AuditEvent
from models.campaign import Campaign
from models.complaint import Kind
from models.poll import PollStatus, Verdict
from services import case_actions, sampling
from tests.support.complaints import china, file_case, make_office
from tests.support.images import random_png
from tests.support.polls import make_poll

START, END = "2026-03-10", "2026-03-20"


def _history(app, sender) -> None:
    """Cases before, inside and after 3-10..3-20 in two 所; one accepted and closed 调解成功; a 不合格 result."""
    with app.app_context():
        office = make_office(china(2026, 3, 1, 9, 0))
        file_case(now=china(2026, 3, 9, 23, 59), openid="o_before")                    # the day before
        inside = file_case(now=china(2026, 3, 10, 0, 1), openid="o_a")
        file_case(now=china(2026, 3, 15, 10, 0), openid="o_b", address="新华镇商业街1号")
        file_case(now=china(2026, 3, 20, 23, 0), openid="o_c", kind=Kind.REPORT)
        file_case(now=china(2026, 3, 21, 0, 1), openid="o_after")                       # the day after
        db.session.commit()
        case_actions.accept_and_notify(case_id=inside.id, by=office.admin, now=china(2026, 3, 11, 9, 0), sender=sender)
        case_actions.close_and_notify(case_id=inside.id, outcome="调解成功", reason="", by=office.admin,
                                      now=china(2026, 3, 12, 9, 0), sender=sender)
        db.session.commit()
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    with app.app_context():
        for day, name in ((12, "鲜鸡蛋"), (25, "散装白酒")):
            batch = sampling.add_batch(poll_id=poll_id, title=f"3月{day}日批", by="tester", now=china(2026, 3, day, 9))
            sampling.add_result(batch_id=batch.id, by="tester", now=china(2026, 3, day, 9), spec=sampling.ResultSpec(
                sample_name=name, place="城关镇东街市场", sampled_on=date(2026, 3, 5), verdict=Verdict.FAIL,
                failing_item="恩诺沙星", hazard_note="请到正规渠道购买。"))
            db.session.commit()
            sampling.publish(poll_id=poll_id, by="tester", now=china(2026, 3, day, 10))
            db.session.commit()


def _figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', html))


def _total(user, url: str, marker: str) -> int:
    html = user.get(url).get_data(as_text=True)
    found = re.search(rf'id="{marker}">(\d+)<', html)
    return int(found.group(1)) if found else 0


def _campaign(admin) -> int:
    made = admin.post("/console/campaigns/", data={"name": "2026年3·15", "starts_on": START, "ends_on": END})
    assert made.status_code == 302
    return int(made.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_report_figures_equal_the_console_lists_for_the_same_dates(app, client, staff_factory, logged_in):
    """Filed, 投诉, 举报, closed and 核查处置 on the report equal the lists filtered 3-10..3-20, for an admin and a 所."""
    _history(app, app.extensions["outbound"].sender)
    admin = logged_in(client, staff_factory(role="admin", username="report_admin"))
    campaign_id = _campaign(admin)
    clerk = logged_in(app.test_client(), staff_factory(department="城关市场监督管理所", username="report_clerk"))
    period = f"from={START}&to={END}"
    for user in (admin, clerk):
        figures = _figures(user.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True))
        complaints = _total(user, f"/console/complaints/?{period}&kind=complaint", "case-total")
        reports = _total(user, f"/console/complaints/?{period}&kind=report", "case-total")
        closed = _total(user, f"/console/complaints/?{period}&status=closed", "case-total")
        opened = _total(user, f"/console/disposals/?{period}", "disposal-total")
        assert int(figures["投诉举报:登记投诉"]) == complaints
        assert int(figures["投诉举报:登记举报"]) == reports
        assert int(figures["投诉举报:已办结"]) == closed
        assert int(figures["抽检与核查处置:开启核查处置"]) == opened
    # the admin sees the county: 2 complaints (城关 and 新华) and 1 举报 inside, not the ones a minute outside
    figures = _figures(admin.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True))
    assert (figures["投诉举报:登记投诉"], figures["投诉举报:登记举报"], figures["投诉举报:已办结"]) == ("2", "1", "1")
    assert figures["投诉举报:调解成功率"] == "100.0%"
    assert (figures["抽检与核查处置:不合格"], figures["抽检与核查处置:开启核查处置"]) == ("1", "1")
    assert int(_figures(clerk.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True))
               ["投诉举报:登记投诉"]) == 1                                               # only its own 所


def test_docx_holds_the_figures_the_text_and_the_photos(app, client, staff_factory, logged_in):
    """Staff write the 总结, upload two photos with captions (a non-image is refused); the .docx has them all."""
    _history(app, app.extensions["outbound"].sender)
    admin = logged_in(client, staff_factory(role="admin", username="report_admin"))
    campaign_id = _campaign(admin)
    base = f"/console/campaigns/{campaign_id}"
    assert admin.post(f"{base}/text", data={"summary": "共开展现场咨询3场。\n发放宣传资料500份。",
                                            "news": "3月15日在城关镇广场开展宣传。"}).status_code == 302
    for seed, caption in ((1, "3月15日 城关镇广场 现场咨询"), (2, "3月16日 东街市场 下架不合格鸡蛋")):
        sent = admin.post(f"{base}/photos", data={"caption": caption, "photo": (BytesIO(random_png(seed=seed)), "a.png")},
                          content_type="multipart/form-data")
        assert sent.status_code == 302
    fake = admin.post(f"{base}/photos", data={"caption": "不是图片", "photo": (BytesIO(b"%PDF-1.4 hello"), "x.png")},
                      content_type="multipart/form-data")
    assert fake.status_code == 422 and "只能上传 JPEG 或 PNG 照片" in fake.get_data(as_text=True)
    page_figures = _figures(admin.get(base).get_data(as_text=True))

    download = admin.get(f"{base}/report.docx")
    assert download.status_code == 200 and download.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(BytesIO(download.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026年3·15活动情况" in text and "共开展现场咨询3场。" in text and "3月15日在城关镇广场开展宣传。" in text
    assert "图1　3月15日 城关镇广场 现场咨询" in text and "图2　3月16日 东街市场 下架不合格鸡蛋" in text
    assert "图表1　投诉举报按部门" in text and "图表2　投诉举报按乡镇" in text    # each chart above its table
    images = [document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
              for shape in document.inline_shapes]
    assert len(images) == 2 + 2                                                     # two charts, then the two photos
    for chart in images[:2]:
        assert chart.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(BytesIO(chart)) as picture:
            assert picture.width >= 900 and picture.convert("L").getextrema()[0] < 128     # bars drawn, not blank
    assert images[2:] == [random_png(seed=1), random_png(seed=2)]
    cells = {row.cells[0].text: row.cells[1].text for table in document.tables for row in table.rows}
    for label in ("登记投诉", "登记举报", "已办结", "调解成功率", "不合格", "开启核查处置"):
        heading = next(k for k in page_figures if k.endswith(f":{label}"))
        assert cells[label] == page_figures[heading]
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "campaign.export")) is not None
        assert len(db.session.scalars(select(Campaign)).one().photos) == 2


def test_only_admins_create_campaigns_and_viewers_only_read(app, client, staff_factory, logged_in):
    """A clerk cannot create a campaign (403); a viewer reads the report but cannot write its 总结."""
    admin = logged_in(client, staff_factory(role="admin", username="report_admin"))
    campaign_id = _campaign(admin)
    clerk = logged_in(app.test_client(), staff_factory())
    assert clerk.post("/console/campaigns/", data={"name": "x", "starts_on": START, "ends_on": END}).status_code == 403
    viewer = logged_in(app.test_client(), staff_factory(role="viewer", username="report_viewer"))
    assert viewer.get(f"/console/campaigns/{campaign_id}").status_code == 200
    assert viewer.post(f"/console/campaigns/{campaign_id}/text", data={"summary": "x"}).status_code == 403
    bad = admin.post("/console/campaigns/", data={"name": "倒序", "starts_on": END, "ends_on": START})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.get_data(as_text=True)


def test_amount_recovered_on_closing_is_audited_and_summed_in_the_report(app, client, staff_factory, logged_in):
    """Closing a 投诉 with 挽回经济损失 1千2 stores 1200.00 (audited); a non-amount is refused; the report sums it."""
    _history(app, app.extensions["outbound"].sender)
    with app.app_context():
        case_id = file_case(now=china(2026, 3, 18, 9, 0), openid="o_money").id
        db.session.commit()
    admin = logged_in(client, staff_factory(role="admin", username="report_admin"))
    assert admin.post(f"/console/complaints/{case_id}/accept").status_code == 302
    bad = admin.post(f"/console/complaints/{case_id}/close", data={"outcome": "调解成功", "recovered": "很多"})
    assert bad.status_code == 422 and "挽回经济损失请填写" in bad.get_data(as_text=True)
    done = admin.post(f"/console/complaints/{case_id}/close", data={"outcome": "调解成功", "recovered": "1千2"})
    assert done.status_code == 302
    campaign_id = _campaign(admin)
    figures = _figures(admin.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True))
    assert figures["投诉举报:挽回经济损失（元）"] == "1200.00"
    with app.app_context():
        closing = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "complaint.close")).all()
        assert any("1200" in str(event.after) for event in closing)



def _outcome(reply: str) -> str:
    """What the consumer saw, as the report counts it."""
    from handlers import rights_qa
    if reply.startswith(rights_qa.SUGGEST_HEAD):
        return "menu"
    if reply == rights_qa.UNKNOWN:
        return "unanswered"
    return "referred" if reply.endswith(rights_qa.REFER_TAIL) else "first_reply"


def test_questions_asked_through_the_webhook_change_the_report_by_topic_once_per_message(
        kb, wechat, client, staff_factory, logged_in):
    """Each question answered, offered a menu, referred or unanswered moves the report by exactly one (a re-sent
    message, a number picked from the menu and small talk by none), by topic; another day's questions are not counted."""
    from datetime import timedelta

    from models.qa_tally import AskOutcome, QuestionTally
    from services import faq_store, qa_tally
    from services.clock import china_today, utcnow
    seven_day_question = "网购的东西不想要了，七天内能无理由退吗？"

    today = china_today(utcnow())
    admin = logged_in(client, staff_factory(role="admin", username="report_admin"))
    base = admin.post("/console/campaigns/", data={"name": "问答统计", "starts_on": today.isoformat(),
                                                   "ends_on": today.isoformat()}).headers["Location"]
    with kb.app_context():
        seven_day = faq_store.get("return-7day-online").topic
        qa_tally.count(outcome=AskOutcome.FIRST_REPLY, topic=seven_day, category="online",
                       now=utcnow() - timedelta(days=1))                                # yesterday: outside
        db.session.commit()
    assert _figures(admin.get(base).get_data(as_text=True))["关注与问答:维权问答提问"] == "0"

    expected: Counter = Counter()
    asked_menu: set[str] = set()
    body, params = wechat.build({"MsgType": "text", "Content": seven_day_question})
    first, again = wechat.post(body, params), wechat.post(body, params)                 # WeChat re-sends
    assert first.text == again.text and _outcome(first.text) == "first_reply"
    expected["first_reply"] += 1
    for question in ("光伏板发电量不够", "退款", "退货退款的事", "商家不给退钱",
                     "刚才有人冒充快递客服说理赔 让我转账 转了两千 现在联系不上了"):
        reply = wechat.say(question).text
        expected[_outcome(reply)] += 1
        if _outcome(reply) == "menu" and "menu" not in asked_menu:
            asked_menu.add("menu")
            assert "依据" in wechat.say("2").text                                        # same question: not again
    assert wechat.say("你好").text                                                       # small talk: not a question
    assert {"first_reply", "unanswered", "referred", "menu"} <= set(expected)
    with kb.app_context():
        rows = db.session.scalars(select(QuestionTally).where(QuestionTally.day == today)).all()
        assert Counter({o: sum(r.count for r in rows if r.outcome == o) for o in expected}) == expected
        assert {c.name for c in QuestionTally.__table__.columns} == {"day", "topic", "outcome", "category", "count"}
        seven_day_today = sum(r.count for r in rows if r.topic == seven_day and r.outcome == "first_reply")

    total = sum(expected.values())
    html = admin.get(base).get_data(as_text=True)
    figures = _figures(html)
    assert int(figures["关注与问答:维权问答提问"]) == total == 6
    assert int(figures["关注与问答:首次回复即解答"]) == expected["first_reply"]
    assert figures["关注与问答:首次回复解答率"] == f"{round(expected['first_reply'] / total * 100, 1)}%"
    assert seven_day in html and "未归类" in html
    document = docx.Document(BytesIO(admin.get(f"{base}/report.docx").data))
    topic_rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for table in document.tables
                  for row in table.rows if len(row.cells) == 5}
    assert topic_rows[seven_day][0] == str(seven_day_today) and topic_rows["未归类"][3] == str(expected["unanswered"])


def test_charts_without_a_cjk_font_are_still_drawn_and_say_so(monkeypatch):
    """With no CJK font installed the chart is still a PNG and a warning says Chinese labels may not render."""
    from structlog.testing import capture_logs

    from services import report_charts
    monkeypatch.setattr(report_charts, "FONT_DIRS", ())
    report_charts.cjk_font.cache_clear()
    try:
        with capture_logs() as events:
            png = report_charts.bar_png([("城关所", 3), ("新华所", 1)], title="投诉举报按部门")
        assert png.startswith(b"\x89PNG") and report_charts.cjk_font() is None
        assert [e["log_level"] for e in events if "no CJK font" in e["event"]] == ["warning"]
    finally:
        report_charts.cjk_font.cache_clear()
