"""The declared flow engine, driven through the webhook with a small example flow (tests/example_feature.py)."""
import pytest

from tests.support.wechat import FakeClock


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def people(make_app, example_feature, consumer, clock):
    app = make_app(CLOCK=clock)
    from sim.client import SimUser
    from tests.support.wechat import APP_ID, TOKEN, transport_for

    def make(openid):
        return SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid=openid)
    return make


def test_flow_runs_its_steps_in_order(people):
    """Entering by keyword asks each step's question in turn and finishes with the stored answers."""
    alice = people("o_alice")
    assert alice.say("报名").text == "请问怎么称呼您？"
    assert alice.say("李雷").text == "请问您的年龄？（填数字）"
    assert alice.say("35").text == "报名成功：李雷，35岁。"
    assert "投诉" in alice.say("随便说点").text       # flow finished: back to normal routing


def test_invalid_answer_re_asks_same_step(people):
    """A bad answer gets a re-ask that says what is wrong, and the flow stays on that step."""
    alice = people("o_alice")
    alice.say("报名")
    alice.say("李雷")
    assert alice.say("三十五").text.startswith("年龄要填数字")
    assert alice.say("35").text == "报名成功：李雷，35岁。"


def test_cancel_leaves_flow_from_any_step(people):
    """Replying 取消 at any step ends the flow and keeps nothing."""
    alice = people("o_alice")
    alice.say("报名")
    alice.say("李雷")
    assert "已取消" in alice.say("取消").text
    assert "投诉" in alice.say("35").text             # "35" is no longer an answer to the age step


def test_timeout_tells_user_the_flow_expired(people, clock):
    """The first message after the timeout says the flow expired instead of feeding the old step."""
    alice = people("o_alice")
    alice.say("报名")
    clock.advance(minutes=31)
    answer = alice.say("李雷")
    assert "活动报名" in answer.text and "已自动结束" in answer.text
    assert "请问您的年龄" not in answer.text


def test_the_same_flows_keyword_offers_the_draft_back(people):
    """The flow's own keyword mid-flow offers the draft: 重新开始 starts again from the first step."""
    alice = people("o_alice")
    alice.say("报名")
    alice.say("李雷")
    assert "未提交的「活动报名」" in alice.say("报名").text
    assert alice.say("重新开始").text == "请问怎么称呼您？"
    assert alice.say("韩梅梅").text == "请问您的年龄？（填数字）"
    assert alice.say("28").text == "报名成功：韩梅梅，28岁。"


def test_continue_after_the_offer_resumes_at_the_same_step(people):
    """继续 after the offer repeats the question the flow stopped at, with the earlier answers kept."""
    alice = people("o_alice")
    alice.say("报名")
    alice.say("李雷")
    alice.say("报名")
    assert alice.say("继续").text == "请问您的年龄？（填数字）"
    assert alice.say("35").text == "报名成功：李雷，35岁。"


def test_other_menu_tap_parks_the_flow(people):
    """Tapping another menu item mid-flow answers that item, says the draft is kept, and leaves the flow."""
    alice = people("o_alice")
    alice.say("报名")
    answer = alice.click("CONTACT").text
    assert "电话" in answer and "已为您暂存" in answer and "发“报名”可以接着填" in answer
    assert "投诉" in alice.say("35").text             # no longer inside the flow
    assert "未提交的「活动报名」" in alice.say("报名").text


def test_two_followers_interleaved_keep_their_own_state(people):
    """Two followers in the same flow at once never see each other's answers."""
    alice, bob = people("o_alice"), people("o_bob")
    alice.say("报名")
    bob.say("报名")
    alice.say("李雷")
    bob.say("韩梅梅")
    assert bob.say("28").text == "报名成功：韩梅梅，28岁。"
    assert alice.say("35").text == "报名成功：李雷，35岁。"


def test_command_mid_flow_is_answered_and_the_flow_waits(people):
    """A command word typed at a step is run, not stored; the flow says where it stands and takes the next answer."""
    alice = people("o_alice")
    alice.say("报名")
    answer = alice.say("计数").text
    assert answer.startswith("第1次") and "您的「活动报名」还没有提交，回复“继续”接着填写" in answer
    assert alice.say("李雷").text == "请问您的年龄？（填数字）"


def test_unrecognised_voice_mid_flow_is_told_not_heard(people):
    """A voice message WeChat could not recognise is answered 没听清 and the step is asked again later."""
    alice = people("o_alice")
    alice.say("报名")
    assert "没听清" in alice.voice("").text
    assert alice.say("李雷").text == "请问您的年龄？（填数字）"
