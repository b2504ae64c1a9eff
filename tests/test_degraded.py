"""When Redis is down the bot degrades: one-shot answers still work, flows say they are unavailable, no 500."""
import pytest

from sim.client import SimUser
from tests.support.wechat import APP_ID, TOKEN, transport_for


@pytest.fixture
def user_without_redis(make_app, example_feature):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")   # nothing listens there
    return SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_degraded")


def test_one_shot_answers_work_without_redis(user_without_redis):
    """Keywords that need no conversation state are answered normally while Redis is down."""
    answer = user_without_redis.say("帮助")
    assert answer.status == 200 and "投诉" in answer.text


def test_flow_entry_says_unavailable_without_redis(user_without_redis):
    """Entering a multi-step flow while Redis is down gets a clear Chinese notice, not an error."""
    answer = user_without_redis.say("报名")
    assert answer.status == 200 and "暂时不可用" in answer.text
