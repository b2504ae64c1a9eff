"""你点我检 results: published sampling results reach exactly the voters of the sampled items, once; 抽检结果 finds them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.poll import Option, PollStatus, Question, Verdict, VoterNotice
from services import Conflict, polls, sampling
from services.clock import utcnow
from tests.support.polls import make_poll, vote


def _option(poll_id: int, question: int, position: int) -> int:
    return db.session.scalar(select(Option.id).join(Question).where(
        Question.poll_id == poll_id, Question.position == question, Option.position == position))


def _sample(app, poll_id: int) -> None:
    """Close the poll, record a batch: 牛奶 合格 (at 超市), 鸡蛋 不合格; nothing for the other items."""
    now = utcnow()
    with app.app_context():
        polls.transition(poll_id=poll_id, to=PollStatus.CLOSED, by="tester", now=now)
        polls.transition(poll_id=poll_id, to=PollStatus.SAMPLING, by="tester", now=now)
        batch = sampling.add_batch(poll_id=poll_id, title="第一批", by="tester", now=now)
        sampling.add_result(batch_id=batch.id, by="tester", now=now, spec=sampling.ResultSpec(
            sample_name="纯牛奶", brand="草原牌", producer="某乳业有限公司", place="城关镇某超市",
            sampled_on=date(2027, 3, 20), verdict=Verdict.PASS, option_ids=[_option(poll_id, 1, 1)]))
        sampling.add_result(batch_id=batch.id, by="tester", now=now, spec=sampling.ResultSpec(
            sample_name="鲜鸡蛋", place="东街农贸市场", sampled_on=date(2027, 3, 21), verdict=Verdict.FAIL,
            failing_item="恩诺沙星", hazard_note="长期少量摄入可能使人体产生耐药性，请到正规渠道购买。",
            option_ids=[_option(poll_id, 1, 2)]))
        db.session.commit()


def _texts(sim, openid: str) -> list[str]:
    return [m["body"].get("content", "") for m in sim.inbox(openid) if m["kind"] == "custom:text"]


def test_results_reach_exactly_the_voters_of_sampled_items_once(app, consumer, sim):
    """Voters who chose 牛奶 or 鸡蛋 are told those results once; a voter of neither hears nothing; twice-published."""
    poll_id = make_poll(app, allow_suggestion=False)
    vote(consumer("o_milk"), "1", "1", suggestion=None)
    vote(consumer("o_eggs"), "2 5", "2", suggestion=None)
    vote(consumer("o_both"), "1 2", "3", suggestion=None)
    vote(consumer("o_rice"), "3", "1", suggestion=None)
    _sample(app, poll_id)
    sender = app.extensions["outbound"].sender
    with app.app_context():
        outcome = sampling.publish(poll_id=poll_id, by="tester", now=utcnow())
        db.session.commit()
        assert outcome.notices == 3
        assert sampling.notify_voters(now=utcnow(), sender=sender) == 3
        with pytest.raises(Conflict):
            sampling.publish(poll_id=poll_id, by="tester", now=utcnow())
        assert sampling.notify_voters(now=utcnow(), sender=sender) == 0
        assert polls.get(poll_id).status == PollStatus.PUBLISHED

    milk, eggs, both = _texts(sim, "o_milk"), _texts(sim, "o_eggs"), _texts(sim, "o_both")
    assert len(milk) == 1 and "纯牛奶" in milk[0] and "合格" in milk[0] and "鲜鸡蛋" not in milk[0]
    assert len(eggs) == 1 and "鲜鸡蛋" in eggs[0] and "不合格项目：恩诺沙星" in eggs[0] and "纯牛奶" not in eggs[0]
    assert len(both) == 1 and "纯牛奶" in both[0] and "鲜鸡蛋" in both[0]
    assert _texts(sim, "o_rice") == []


def test_voter_outside_the_service_window_is_told_at_their_next_message(app, consumer, sim):
    """With the 48-hour window closed and no template, the result waits and is shown with the next reply."""
    poll_id = make_poll(app, allow_suggestion=False)
    voter = consumer("o_late")
    vote(voter, "1", "1", suggestion=None)
    _sample(app, poll_id)
    later = utcnow() + timedelta(days=3)
    with app.app_context():
        sampling.publish(poll_id=poll_id, by="tester", now=later)
        db.session.commit()
        assert sampling.notify_voters(now=later, sender=app.extensions["outbound"].sender) == 1
        assert db.session.scalar(select(VoterNotice.channel)) == "deferred"
    assert _texts(sim, "o_late") == []
    answer = voter.say("帮助").text
    assert "纯牛奶" in answer and "合格" in answer
    assert "纯牛奶" not in voter.say("你好").text


def test_results_command_lists_and_searches_published_results(app, wechat):
    """抽检结果 lists published results; `抽检结果 鸡蛋` and a place or brand find the matching ones."""
    poll_id = make_poll(app, allow_suggestion=False)
    wechat.follow()
    assert "还没有公布" in wechat.click("RESULTS").text
    _sample(app, poll_id)
    assert "还没有公布" in wechat.say("抽检结果").text          # recorded but not yet published
    with app.app_context():
        sampling.publish(poll_id=poll_id, by="tester", now=utcnow())
        db.session.commit()
    listing = wechat.say("抽检结果").text
    assert "纯牛奶" in listing and "鲜鸡蛋" in listing
    eggs = wechat.say("抽检结果 鸡蛋").text
    assert "鲜鸡蛋" in eggs and "恩诺沙星" in eggs and "纯牛奶" not in eggs
    assert "纯牛奶" in wechat.say("抽检结果 草原牌").text
    assert "鲜鸡蛋" in wechat.say("抽检结果 东街").text
    assert "没有找到" in wechat.say("抽检结果 月饼").text


def test_a_failing_result_needs_the_item_and_a_hazard_note(app):
    """不合格 without the failing item or a plain-language hazard note is refused."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING)
    with app.app_context():
        batch = sampling.add_batch(poll_id=poll_id, title="第一批", by="tester", now=utcnow())
        with pytest.raises(sampling.Invalid):
            sampling.add_result(batch_id=batch.id, by="tester", now=utcnow(), spec=sampling.ResultSpec(
                sample_name="月饼", place="某超市", sampled_on=date(2027, 3, 1), verdict=Verdict.FAIL))
