"""Numbered lists outside the forms are answered by number (`bot.choices`): the help (`？`) and a follower's case
list; a number out of range is asked again; 继续 with no form active resumes the draft parked last."""
from __future__ import annotations

from extensions import db
from models import Case


def _file_complaint(user):
    for text in ["投诉", "同意", "好又多超市", "城关镇人民路88号", "牛奶过期", "完成", "58", "4", "跳过", "张三",
                 "13812345678"]:
        user.say(text)
    assert "TS" in user.say("确认").text


def test_help_is_answered_by_number(wechat):
    """After ？, replying 2 starts a complaint as if 投诉 had been typed."""
    wechat.follow()
    assert "回复序号" in wechat.say("？").text
    assert "个人信息告知" in wechat.say("2").text


def test_help_number_out_of_range_is_asked_again(wechat):
    """A number the help does not list is asked again, and the list still answers the next number."""
    wechat.follow()
    wechat.say("帮助")
    assert wechat.say("9").text.startswith("请回复 1 到 7 之间的数字")
    assert "您还没有提交过投诉或举报" in wechat.say("④").text


def test_help_number_only_answers_the_next_message(wechat):
    """Once another message came in between, a bare number is no longer read against the help."""
    wechat.follow()
    wechat.say("？")
    wechat.say("警示")
    assert "个人信息告知" not in wechat.say("2").text


def test_help_mid_form_answered_by_number_stores_nothing(wechat, app):
    """In a form, ？ then 4 shows the cases (where the form stands after it); 4 is not stored as the business."""
    wechat.say("投诉")
    wechat.say("同意")
    assert "您的投诉已填到第1步（商家名称）" in wechat.say("？").text
    cases = wechat.say("4").text
    assert "您还没有提交过投诉或举报" in cases and "您的投诉已填到第1步（商家名称）" in cases
    assert wechat.say("好又多超市").text.startswith("第2步：")


def test_case_list_is_answered_by_number(wechat, app):
    """查询 lists the follower's cases; replying 1 shows the first one's details."""
    _file_complaint(wechat)
    with app.app_context():
        number = db.session.query(Case).one().number
    assert "回复序号" in wechat.say("查询").text
    assert f"编号：{number}" in wechat.say("1").text


def test_continue_with_no_form_active_resumes_the_parked_draft(wechat):
    """A menu tap parks the complaint; 继续 on its own brings it back at the same step."""
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("好又多超市")
    assert "已为您暂存" in wechat.click("RESULTS").text
    assert wechat.say("继续").text.startswith("第2步：")
    assert wechat.say("城关镇人民路88号").text.startswith("第3步：")


def test_number_after_help_counts_once_when_resent(wechat, app):
    """The help's 3, delivered twice, starts one report and answers both deliveries alike."""
    wechat.follow()
    wechat.say("？")
    body, params = wechat.build({"MsgType": "text", "Content": "3"})
    first, second = wechat.post(body, params), wechat.post(body, params)
    assert "举报" in first.text and first.text == second.text
    assert wechat.say("同意").text.startswith("第1步：")


def test_continue_with_nothing_to_continue_says_so(wechat, app):
    """继续 with no form and no parked draft says there is nothing to continue; it is not queued as a question."""
    from models.faq import UnansweredQuestion

    wechat.follow()
    assert wechat.say("继续").text.startswith("您目前没有未填完的登记")
    with app.app_context():
        assert db.session.query(UnansweredQuestion).count() == 0


def test_continue_after_the_form_expired_says_it_expired(make_app, sim):
    """A form that timed out is reported expired when 继续 arrives, and nothing is resumed."""
    from sim.client import SimUser
    from tests.support.wechat import APP_ID, TOKEN, FakeClock, transport_for

    clock = FakeClock()
    user = SimUser(transport_for(make_app(CLOCK=clock)), token=TOKEN, app_id=APP_ID, openid="o_late")
    user.say("投诉")
    user.say("同意")
    clock.advance(hours=2)
    answer = user.say("继续").text
    assert "已自动结束" in answer and "您目前没有未填完的登记" in answer


def test_help_at_a_step_that_reads_numbers_leaves_the_number_to_the_step(wechat, app):
    """At the 诉求 step (answered by number), ？ shows the help without the number hint and 4 is the demand 退款."""
    for text in ["投诉", "同意", "好又多超市", "城关镇人民路88号", "牛奶过期", "完成"]:
        wechat.say(text)
    assert wechat.say("58").text.startswith("第5步：")
    shown = wechat.say("？").text
    assert "回复序号也可以" not in shown and "您的投诉已填到第5步（诉求）" in shown
    assert wechat.say("4").text.startswith("第6步：")
    wechat.say("跳过")
    wechat.say("张三")
    assert "诉求：退款" in wechat.say("13812345678").text
