"""Conversations that forgive: a question or a command in the middle of a form is answered, never stored; a menu
tap parks the draft and 继续 brings it back; drafts outlive a Redis flush and die with an unsubscribe."""
from __future__ import annotations

from extensions import db, redis
from models import Case
from models.draft import ConversationDraft
from services import keys


def _to_address_step(user):
    user.say("投诉")
    user.say("同意")
    assert "第2步" in user.say("城关镇好又多超市").text


def _finish(user, *, story="11月20日买的牛奶已过期"):
    assert "第3步" in user.say("城关镇人民路88号").text
    user.say(story)
    user.say("完成")
    user.say("58")
    user.say("4")
    user.say("跳过")
    user.say("张三")
    return user.say("13812345678")


def test_question_mid_form_is_answered_and_not_stored(wechat, app, kb):
    """A clear consumer question at the address step gets its answer and where the form stands; nothing is saved."""
    _to_address_step(wechat)
    answer = wechat.say("买到过期食品能赔多少钱啊").text
    assert "依据" in answer                                            # the knowledge base's answer, with its law
    assert "您的投诉已填到第2步（商家地址），回复“继续”接着填写，回复“取消”放弃" in answer
    summary = _finish(wechat).text
    assert "商家地址：城关镇人民路88号" in summary and "能赔多少钱" not in summary
    assert "商家名称：城关镇好又多超市" in summary


def test_data_that_looks_like_data_is_stored(wechat, app, kb):
    """Shop names and street addresses are data, whatever words they share with questions."""
    wechat.say("投诉")
    wechat.say("同意")
    assert "第2步" in wechat.say("好又多超市").text
    assert "第3步" in wechat.say("城关镇人民路88号").text


def test_question_like_answer_is_asked_about_once(wechat, app, kb):
    """A question-like answer the knowledge base cannot place is asked about once; 是 stores it as the answer."""
    _to_address_step(wechat)
    assert wechat.say("什么路来着").text.startswith("这是商家地址吗？回复“是”保存")
    assert "第3步" in wechat.say("是").text
    wechat.say("牛奶过期")
    wechat.say("完成")
    wechat.say("无")
    wechat.say("1")
    wechat.say("跳过")
    wechat.say("张三")
    assert "商家地址：什么路来着" in wechat.say("13812345678").text


def test_commands_mid_form_are_handled_and_the_draft_kept(wechat, app, kb):
    """查询 and 人工 typed where the business name is asked are handled, never stored; the draft stays at step 1."""
    wechat.say("投诉")
    wechat.say("同意")
    cases = wechat.say("查询")
    assert "您还没有提交过投诉或举报" in cases.text
    assert "您的投诉已填到第1步（商家名称）" in cases.text
    handed = wechat.say("人工").text                               # the hand-over to staff (handlers.handover)
    assert "您的投诉已填到第1步（商家名称），已为您暂存" in handed
    wechat.say("结束人工")
    assert "未提交的投诉（已填到第1步）" in wechat.say("投诉").text
    assert wechat.say("继续").text.startswith("第1步：")
    summary = _finish_from_merchant(wechat)
    assert "商家名称：好又多超市" in summary and "查询" not in summary and "人工" not in summary


def _finish_from_merchant(user):
    user.say("好又多超市")
    return _finish(user).text


def test_continue_repeats_the_current_question(wechat, app):
    """继续 repeats the question the form is waiting on, without storing anything."""
    wechat.say("投诉")
    wechat.say("同意")
    assert wechat.say("继续").text.startswith("第1步：")
    assert wechat.say("好又多超市").text.startswith("第2步：")


def test_menu_tap_parks_and_continue_resumes_with_earlier_answers(wechat, app):
    """A menu tap mid-form parks the draft (one line says so); 投诉 offers it; 继续 resumes at the same step."""
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("城关镇好又多超市")
    wechat.say("城关镇人民路88号")
    tapped = wechat.click("RESULTS").text
    assert "您的投诉已填到第3步（事情经过），已为您暂存，之后发“投诉”可以接着填" in tapped
    offer = wechat.say("投诉").text
    assert offer == "您有一份未提交的投诉（已填到第3步），回复“继续”接着填，回复“重新开始”新建。"
    assert wechat.say("继续").text.startswith("第3步：")
    wechat.say("牛奶过期")
    wechat.say("完成")
    wechat.say("无")
    wechat.say("4")
    wechat.say("跳过")
    wechat.say("张三")
    summary = wechat.say("13812345678").text
    assert "商家名称：城关镇好又多超市" in summary and "商家地址：城关镇人民路88号" in summary


def test_another_flows_keyword_parks_the_draft(wechat, app):
    """投票 in the middle of a complaint parks it and starts the poll; 重新开始 after 投诉 drops the old draft."""
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("好又多超市")
    poll = wechat.say("投票").text
    assert "您的投诉已填到第2步（商家地址），已为您暂存" in poll
    assert "未提交的投诉（已填到第2步）" in wechat.say("投诉").text
    assert "个人信息告知" in wechat.say("重新开始").text
    wechat.say("同意")
    assert wechat.say("华联超市").text.startswith("第2步：")


def test_unsubscribe_erases_the_draft_at_once(wechat, app):
    """An unsubscribe removes the draft with its name and phone from Redis and the database immediately."""
    wechat.say("投诉")
    wechat.say("同意")
    wechat.say("好又多超市")
    with app.app_context():
        assert redis.get(keys.conversation(wechat.openid)) is not None
        assert db.session.get(ConversationDraft, wechat.openid) is not None
    wechat.unfollow()
    with app.app_context():
        assert redis.get(keys.conversation(wechat.openid)) is None
        assert db.session.get(ConversationDraft, wechat.openid) is None


def test_draft_survives_a_redis_flush(wechat, app):
    """After Redis loses everything (restart without persistence, FLUSHDB), the next answer goes on where it was."""
    _to_address_step(wechat)
    with app.app_context():
        redis.flushdb()
    summary = _finish(wechat).text
    assert "商家名称：城关镇好又多超市" in summary and "商家地址：城关镇人民路88号" in summary
    wechat.say("确认")
    with app.app_context():
        assert db.session.query(Case).one().business_address == "城关镇人民路88号"
        assert db.session.get(ConversationDraft, wechat.openid) is None      # a filed form leaves no draft


def test_every_new_kind_of_message_counts_once_when_resent(wechat, app, kb):
    """Each interruption — question, command, 继续, menu tap, the offer, 是 — delivered twice has one effect."""
    def twice(text):
        body, params = wechat.build({"MsgType": "text", "Content": text})
        first, second = wechat.post(body, params), wechat.post(body, params)
        assert first.text == second.text
        return first.text

    twice("投诉")
    twice("同意")
    twice("城关镇好又多超市")
    assert "依据" in twice("买到过期食品能赔多少钱啊")
    assert "第2步" in twice("查询")
    assert twice("继续").startswith("第2步：")
    assert twice("什么路来着").startswith("这是商家地址吗")
    assert twice("是").startswith("第3步：")
    body, params = wechat.build({"MsgType": "event", "Event": "CLICK", "EventKey": "RESULTS"})
    first, second = wechat.post(body, params), wechat.post(body, params)
    assert "已为您暂存" in first.text and first.text == second.text
    assert "已填到第3步" in twice("投诉")
    assert twice("继续").startswith("第3步：")
    assert "已记下" in twice("牛奶过期")
    assert twice("完成").startswith("第4步：")


def test_expired_drafts_are_purged(wechat, app):
    """The hourly purge deletes draft rows past their expiry (a day after the form's timeout)."""
    from datetime import timedelta

    from services import drafts
    from services.clock import utcnow

    wechat.say("投诉")
    wechat.say("同意")
    with app.app_context():
        assert drafts.purge_expired(now=utcnow()) == 0
        assert drafts.purge_expired(now=utcnow() + timedelta(days=2)) == 1
        db.session.commit()
        assert db.session.get(ConversationDraft, wechat.openid) is None


def test_unrecognised_voice_outside_a_form_is_told_not_heard(wechat, app):
    """A voice message with an empty Recognition gets 没听清, not a generic media reply."""
    assert "没听清" in wechat.voice("").text


def test_form_words_with_no_form_active_are_not_questions(wechat, app, kb):
    """取消, 确认, 修改, 重新开始, 上一步 typed with no form active are told so; none reaches the Q&A or its queue
    ("上一步" had been queued for staff)."""
    from models.faq import UnansweredQuestion

    wechat.follow()
    for word in ["取消", "确认", "修改", "重新开始", "完成", "上一步"]:
        assert wechat.say(word).text.startswith(f"您现在没有正在填写的内容，“{word}”没有可以操作的")
    with app.app_context():
        assert db.session.query(UnansweredQuestion).count() == 0
