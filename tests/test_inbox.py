"""人工值守 in the chat: 人工 opens a thread and hands the follower over; staff replies reach them by the reach chain;
commands still work during the hand-over; 结束人工 and staff silence hand back to the bot."""
from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models import AuditEvent, DeliveryAttempt, Follower
from sim.client import SimUser
from tests.support.wechat import APP_ID, TOKEN, FakeClock, transport_for
from tests.support.inbox import off_duty_now, on_duty_now, staff_texts, thread_rows, version_on


def _reply(user, thread_id: int, text: str):
    page = user.get(f"/console/messages/{thread_id}")
    return user.post(f"/console/messages/{thread_id}/reply", {"text": text, "version": version_on(page.text)})


def test_human_on_duty_thread_then_staff_reply_reaches_the_sim_inbox(app, wechat, sim, client, staff_factory,
                                                                      logged_in):
    """On duty, 人工 says so with the expected reply time; the thread shows up; the staff reply arrives at once."""
    admin = staff_factory(role="admin", display_name="值班员小王")
    on_duty_now(app, admin.id)
    answer = wechat.say("人工")
    assert "现在有工作人员值班" in answer.text and "分钟内" in answer.text
    assert "已转给工作人员" in wechat.say("我在网上买的手机屏幕有裂痕，商家不给退").text
    assert wechat.say("订单号 12345").type == "success"                 # staff are on it: the bot keeps quiet
    thread, rows = thread_rows(app)
    assert thread["status"] == "waiting" and thread["handover"]
    assert [k for k, _, _ in rows] == ["request", "bot", "message", "message"]

    user = logged_in(client, admin)
    listing = user.get("/console/messages/")
    assert listing.status_code == 200 and "手机屏幕有裂痕" not in listing.text and "订单号 12345" in listing.text
    res = _reply(user, thread["id"], "您好，请提供购买凭证截图。")
    assert res.status_code == 302
    assert staff_texts(sim) == ["【工作人员回复】您好，请提供购买凭证截图。"]
    thread, rows = thread_rows(app)
    assert thread["status"] == "open" and thread["waiting_since"] is None
    assert rows[-1] == ("staff", "您好，请提供购买凭证截图。", "custom")


def test_off_duty_states_the_next_duty_and_keeps_the_message(app, wechat, staff_factory):
    """Off duty, 人工 says nobody is on duty and when duty starts; what the follower leaves lands in the thread."""
    person = staff_factory(role="staff")
    off_duty_now(app, person.id)
    answer = wechat.say("人工")
    assert "现在没有工作人员值班" in answer.text and "下一次值班从" in answer.text and "08:30" in answer.text
    assert "已收到您的留言" in wechat.say("超市卖过期牛奶，想投诉").text
    _, rows = thread_rows(app)
    assert ("offhours", "超市卖过期牛奶，想投诉", None) in rows


def test_off_duty_every_message_is_acknowledged_and_a_clear_question_answered(app, kb, wechat, staff_factory):
    """At 3 a.m. (nobody on duty) every later message gets a line (they had got silence), a clear question is
    answered by the bot meanwhile and still kept for staff, and "算了不用了" ends the hand-over."""
    person = staff_factory(role="staff")
    off_duty_now(app, person.id)
    wechat.say("人工")
    assert "已收到您的留言" in wechat.say("你好").text
    assert "已记下" in wechat.say("在吗").text
    answer = wechat.say("过期食品能赔多少").text
    assert "依据" in answer and "转给工作人员" in answer
    assert "已结束人工服务" in wechat.say("算了不用了").text
    _, rows = thread_rows(app)
    assert ("offhours", "过期食品能赔多少", None) in rows
    assert any(kind == "bot" and "依据" in text for kind, text, _ in rows)      # staff see what the bot answered


def test_reply_outside_the_window_sends_a_template_and_shows_the_reply_at_the_next_message(
        make_app, sim, staff_factory, logged_in):
    """Past 48 hours: a template notice goes out, the reply waits and is shown when the follower next writes."""
    app = make_app(INBOX_REPLY_TEMPLATE_ID="TPL_REPLY")
    follower = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_late", api_base=sim.url)
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    follower.say("人工")
    follower.say("我的预付卡店关门了")
    with app.app_context():                                  # the follower last wrote 49 hours ago
        row = db.session.query(Follower).filter_by(openid="o_late").one()
        row.last_inbound_at -= timedelta(hours=49)
        db.session.commit()
    sim.configure(advance_seconds=49 * 3600)
    thread, _ = thread_rows(app, "o_late")
    user = logged_in(app.test_client(), admin)
    assert _reply(user, thread["id"], "请带上购卡凭证到窗口登记。").status_code == 302
    received = sim.inbox("o_late")
    assert [m["kind"] for m in received][-1] == "template"
    assert received[-1]["data"]["first"]["value"] == "您有一条工作人员回复，发任意消息查看"
    assert "请带上购卡凭证到窗口登记" in follower.say("收到了吗").text
    with app.app_context():
        attempts = [(a.channel, a.ok) for a in db.session.query(DeliveryAttempt).filter_by(openid="o_late")]
    assert ("template", True) in attempts


def test_reply_outside_the_window_without_a_template_waits_for_the_next_message(app, wechat, sim, client,
                                                                                 staff_factory, logged_in):
    """No template configured: the reply is kept (deferred) and shown at the follower's next message."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    wechat.say("人工")
    with app.app_context():
        row = db.session.query(Follower).filter_by(openid="o_consumer_1").one()
        row.last_inbound_at -= timedelta(hours=49)
        db.session.commit()
    sim.configure(advance_seconds=49 * 3600)
    thread, _ = thread_rows(app)
    assert _reply(logged_in(client, admin), thread["id"], "已联系商家。").status_code == 302
    assert staff_texts(sim) == []
    _, rows = thread_rows(app)
    assert rows[-1][2] == "deferred"
    assert "已联系商家" in wechat.say("怎么样了").text


def test_commands_still_work_during_hand_over(app, wechat, staff_factory):
    """查询 and menu taps answer as usual and the hand-over continues; a form asks to end it first."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    wechat.say("人工")
    assert "已转给工作人员" in wechat.say("第一条").text
    assert wechat.say("联系我们").text.startswith("县市场监督管理局")
    assert wechat.click("CONTACT").text.startswith("县市场监督管理局")
    assert "结束人工" in wechat.say("投诉").text
    assert "结束人工" in wechat.click("COMPLAINT").text
    assert wechat.say("还是刚才的问题").type == "success"       # still handed over after the tap
    _, rows = thread_rows(app)
    assert [t for k, t, _ in rows if k == "message"] == ["第一条", "还是刚才的问题"]
    assert "已结束人工服务" in wechat.say("结束人工").text
    assert wechat.say("网购衣服不想要了能退吗").type != "success"  # the bot answers again
    thread, _ = thread_rows(app)
    assert not thread["handover"]


def test_hand_over_times_out_after_staff_silence(make_app, sim, staff_factory, logged_in):
    """After a staff reply, N minutes of staff silence hand the follower back to the bot with a line saying so."""
    clock = FakeClock()
    app = make_app(CLOCK=clock)
    follower = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_timeout", api_base=sim.url)
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    follower.say("人工")
    thread, _ = thread_rows(app, "o_timeout")
    user = logged_in(app.test_client(), admin)
    page = user.get(f"/console/messages/{thread['id']}")
    assert user.post(f"/console/messages/{thread['id']}/take", {"version": version_on(page.text)}).status_code == 302
    assert thread_rows(app, "o_timeout")[0]["status"] == "open"
    clock.advance(minutes=16)                                 # default hand-back after 15 minutes
    answer = follower.say("网购衣服不想要了能退吗")
    assert "工作人员15分钟没有回复" in answer.text
    thread, rows = thread_rows(app, "o_timeout")
    kinds = [row[0] for row in rows]
    # the hand-back line is recorded; the question after it (no knowledge base in this app) waits as unanswered
    assert not thread["handover"] and kinds[-2:] == ["system", "unanswered"]
    assert follower.say("买到过期食品怎么赔").type != "success"


def test_staff_resolving_hands_back_with_a_line(app, wechat, sim, client, staff_factory, logged_in):
    """已解决 ends the hand-over: the follower is told, and their next message is the bot's again."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    wechat.say("人工")
    thread, _ = thread_rows(app)
    user = logged_in(client, admin)
    page = user.get(f"/console/messages/{thread['id']}")
    assert user.post(f"/console/messages/{thread['id']}/resolve",
                     {"version": version_on(page.text)}).status_code == 302
    assert any("本次人工服务已结束" in m["body"].get("content", "") for m in sim.inbox("o_consumer_1"))
    assert wechat.say("买到过期食品怎么赔").type != "success"
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="inbox.resolve").count() == 1


@pytest.mark.parametrize("ask", ["人呢 我要找人工", "能转人工不", "有人工吗？", "我不想跟机器说 我要人工", "人工客服在吗",
                                 "找个真人说话", "叫个工作人员来", "我要找你们领导", "人工 我想问下预付卡的事"])
def test_a_person_asked_for_in_a_whole_sentence_hands_over_at_once(app, wechat, staff_factory, ask):
    """"人呢 我要找人工" is a request for a person as much as "人工": the hand-over starts with that message (the
    thread holds it), not an answer telling the consumer to send "人工"."""
    on_duty_now(app, staff_factory(role="admin").id)
    assert "已为您转人工服务" in wechat.say(ask).text
    thread, _ = thread_rows(app)
    assert thread["handover"]


def test_a_person_asked_for_in_the_middle_of_a_form_parks_the_form_and_hands_over(app, wechat, staff_factory):
    """At the complaint's consent question, "人呢 我要找人工" keeps the form for later and hands over, instead of
    asking for 同意 again."""
    on_duty_now(app, staff_factory(role="admin").id)
    wechat.say("投诉")
    text = wechat.say("人呢 我要找人工").text
    assert "暂存" in text and "已为您转人工服务" in text


@pytest.mark.parametrize("message", ["人工费多少钱", "装修的人工费太贵了", "淘宝客服不给退"])
def test_a_question_that_mentions_人工_or_客服_is_not_a_hand_over(app, wechat, message):
    """人工费 or a shop's 客服 inside a question is the question, not a request for a person."""
    assert "已为您转人工服务" not in wechat.say(message).text


def test_ending_a_hand_over_that_is_not_open_says_so(wechat):
    """"结束人工" with no hand-over open says there is none and how to get one (it had got a menu of unrelated
    entries)."""
    text = wechat.say("结束人工").text
    assert "没有在和工作人员沟通" in text and "您是不是想问" not in text
