"""你点我检 in chat: numbered answers in any common form, re-asks, confirm, one ballot each, closed and unfollowed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from handlers.poll import parse_numbers
from models.poll import Ballot, BallotChoice, PollStatus
from services import PermissionDenied, ballots, poll_seed, polls
from services.clock import utcnow
from tests.support.polls import make_poll, vote


@pytest.mark.parametrize("text, numbers", [
    ("1 3 5", [1, 3, 5]), ("1,3,5", [1, 3, 5]), ("1、3、5", [1, 3, 5]), ("１ ３ ５", [1, 3, 5]),
    ("1，3", [1, 3]), ("2；4", [2, 4]), (" 7 ", [7]), ("3 3 1", [3, 1]),
    ("牛奶", None), ("1 3 a", None), ("", None),
    # the words before the picks, and ordinals ("我选第一个和第三个" had been asked again)
    ("我选第一个和第三个", [1, 3]), ("选1 3", [1, 3]), ("俺要2", [2]), ("我要投诉", None),
])
def test_numbers_in_every_common_form_are_read(text, numbers):
    """Spaces, commas, 顿号, full-width digits and Chinese commas all separate option numbers, and "我选…" before them
    and ordinals are read; words do not parse."""
    assert parse_numbers(text) == numbers


def _at_the_first_question(app, wechat) -> None:
    """A poll open, the follower following it and asked its first question (by the word 投票)."""
    make_poll(app)
    wechat.follow()
    wechat.say("投票")


def test_follower_votes_through_every_question_and_confirms(app, wechat):
    """The follower sees each question with numbered options, a summary, and a thank-you; one ballot is stored."""
    poll_id = make_poll(app)
    wechat.follow()
    first = wechat.click("POLL")
    assert "3·15 你点我检" in first.text and "1. 牛奶" in first.text and "最多选3项" in first.text
    second = wechat.say("１，３、5")
    assert "第2题" in second.text and "2. 农贸市场" in second.text
    assert "其他建议" in wechat.say("2 4").text
    summary = wechat.say("希望抽检校园周边小卖部").text
    assert "牛奶、大米、猪肉" in summary and "农贸市场、网店" in summary and "小卖部" in summary
    assert "投票成功" in wechat.say("确认").text
    with app.app_context():
        ballot = db.session.query(Ballot).one()
        assert ballot.poll_id == poll_id and ballot.suggestion == "希望抽检校园周边小卖部"
        assert len(ballot.choices) == 5


def test_options_typed_by_name_are_picked_and_confirm_is_never_a_suggestion(app, wechat):
    """Consumers type what they want, not its number: "牛奶 大米" and "选超市" pick those options; 确认 at the optional
    suggestion means nothing to add (it is never stored as the suggestion), and the ballot holds the named picks."""
    _at_the_first_question(app, wechat)
    assert "第2题" in wechat.say("牛奶 大米").text
    assert "其他建议" in wechat.say("选超市").text
    summary = wechat.say("确认").text
    assert "牛奶、大米" in summary and "超市" in summary and "其他建议：无" in summary
    assert "投票成功" in wechat.say("确认").text
    with app.app_context():
        ballot = db.session.query(Ballot).one()
        assert ballot.suggestion is None and len(ballot.choices) == 3


def test_invalid_answers_are_asked_again_with_the_reason(app, wechat):
    """Words, numbers out of range and too many picks each get a re-ask that says why; nothing is stored."""
    _at_the_first_question(app, wechat)
    assert "请回复选项前面的数字" in wechat.say("我都想选").text
    assert "没有第11项" in wechat.say("1 11").text
    assert "最多选3项，您选了4项" in wechat.say("1 2 3 4").text
    assert "第2题" in wechat.say("1 2 3").text
    assert "最多选2项" in wechat.say("1,2,3").text
    wechat.say("1")
    wechat.say("无")
    assert "请回复“确认”" in wechat.say("好的吧").text
    with app.app_context():
        assert db.session.query(Ballot).count() == 0


def test_cancel_leaves_without_voting(app, wechat):
    """取消 at the summary leaves the poll and stores no ballot; the follower can vote later."""
    make_poll(app)
    wechat.follow()
    wechat.say("你点我检")
    wechat.say("1")
    wechat.say("1")
    wechat.say("无")
    assert "已取消" in wechat.say("取消").text
    with app.app_context():
        assert db.session.query(Ballot).count() == 0
    assert "1. 牛奶" in wechat.say("投票").text


def test_one_ballot_per_follower_and_it_is_final(app, wechat):
    """After a confirmed vote, entering the poll again says the follower already voted."""
    make_poll(app, allow_suggestion=False)
    assert "投票成功" in vote(wechat, suggestion=None).text
    again = wechat.say("你点我检")
    assert "已于" in again.text and "每人限投一次" in again.text
    with app.app_context():
        assert db.session.query(Ballot).count() == 1


def test_resent_confirm_counts_once(app, wechat):
    """WeChat re-sending the same 确认 (same MsgId) four times stores one ballot and answers the same each time."""
    make_poll(app, allow_suggestion=False)
    wechat.follow()
    wechat.click("POLL")
    wechat.say("1 2")
    wechat.say("3")
    body, params = wechat.build({"MsgType": "text", "Content": "确认"})
    answers = [wechat.post(body, params).text for _ in range(4)]
    assert all("投票成功" in a for a in answers)
    with app.app_context():
        assert db.session.query(Ballot).count() == 1
        assert db.session.query(BallotChoice).count() == 3


def test_closed_poll_says_when_it_closed(app, wechat):
    """A poll whose voting has ended says when (China time) instead of asking questions."""
    now = utcnow()
    make_poll(app, status=PollStatus.CLOSED, opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=1))
    wechat.follow()
    answer = wechat.click("POLL").text
    assert "已于" in answer and "结束投票" in answer and "1. 牛奶" not in answer


def test_poll_not_yet_open_says_when_it_opens(app, wechat):
    """A scheduled poll says when it opens, in plain China-time words."""
    opens = utcnow() + timedelta(days=2)
    make_poll(app, status=PollStatus.SCHEDULED, opens_at=opens, closes_at=opens + timedelta(days=5))
    wechat.follow()
    answer = wechat.say("投票").text
    expected = ballots.plain_time(opens)
    assert "将于" in answer and expected in answer


def test_poll_closing_mid_vote_refuses_the_confirm(app, wechat):
    """If staff close the poll while a follower is answering, 确认 says it closed and stores nothing."""
    poll_id = make_poll(app, allow_suggestion=False)
    wechat.follow()
    wechat.click("POLL")
    wechat.say("1")
    wechat.say("1")
    with app.app_context():
        polls.transition(poll_id=poll_id, to=PollStatus.CLOSED, by="tester", now=utcnow())
        db.session.commit()
    assert "结束投票" in wechat.say("确认").text
    with app.app_context():
        assert db.session.query(Ballot).count() == 0


def test_unfollowed_follower_cannot_vote(app, consumer):
    """Someone who unfollowed is told to follow first and cannot cast a ballot (a text message would re-follow:
    WeChat only delivers messages from followers)."""
    make_poll(app)
    user = consumer("o_gone")
    user.follow()
    user.unfollow()
    assert "关注" in user.click("POLL").text
    with app.app_context():
        poll = polls.for_followers(now=utcnow())
        choices = {q.id: [q.options[0].id] for q in poll.questions}
        with pytest.raises(PermissionDenied):
            ballots.cast(poll_id=poll.id, openid="o_gone", choices=choices, now=utcnow())
        assert db.session.query(Ballot).count() == 0


def test_no_poll_at_all(wechat):
    """With no poll ever opened, 你点我检 says there is none."""
    wechat.follow()
    assert "没有正在进行" in wechat.say("你点我检").text


def test_circled_numbers_are_separate_options(app, wechat):
    """①③ picks options 1 and 3 (not 13); an out-of-range circled number is asked again."""
    _at_the_first_question(app, wechat)
    assert "没有第11项" in wechat.say("⑪").text
    assert "第2题" in wechat.say("①③").text
    wechat.say("2")
    summary = wechat.say("无").text
    assert "牛奶、大米" in summary


def test_summary_offers_edit_of_one_question(app, wechat):
    """修改 at the poll summary lists the questions; the chosen one is asked again and the summary comes back."""
    _at_the_first_question(app, wechat)
    wechat.say("1")
    wechat.say("2")
    assert "修改" in wechat.say("无").text
    listing = wechat.say("修改").text
    assert "1. " in listing and "3. 其他建议" in listing
    assert "请回复 1 到 3" in wechat.say("5").text
    assert "第1题" in wechat.say("1").text
    summary = wechat.say("3").text
    assert "请确认您的选择" in summary and "大米" in summary and "牛奶" not in summary
    assert "投票成功" in wechat.say("确认").text


def test_question_mid_vote_keeps_the_vote(app, wechat):
    """查询 in the middle of a vote is answered and the vote goes on at the same question."""
    _at_the_first_question(app, wechat)
    answer = wechat.say("查询").text
    assert "您的投票已填到第1步" in answer
    assert "第2题" in wechat.say("1").text


def test_picks_typed_as_a_sentence_of_ordinals_are_taken(app, wechat):
    """"我选第一个和第三个" at a poll question picks options 1 and 3 and goes on to the next question."""
    _at_the_first_question(app, wechat)
    assert "第2题" in wechat.say("我选第一个和第三个").text
    wechat.say("1")
    assert "牛奶、大米" in wechat.say("确认").text


@pytest.mark.parametrize("picks, shown", [("牛奶 大米", "牛奶及乳制品、大米及米粉"), ("牛奶及乳制品 鸡蛋", "牛奶及乳制品、鸡蛋")])
def test_options_named_by_part_of_their_name_are_picked(app, wechat, picks, shown):
    """With the demo poll's option names ("牛奶及乳制品", "大米及米粉", "酱油醋等调味品"), "牛奶 大米" — the README's
    example — picks those two, and a whole name with 及 picks its option; each had been refused."""
    make_poll(app, foods=poll_seed.FOODS)
    wechat.follow()
    wechat.say("投票")
    assert "第2题" in wechat.say(picks).text
    wechat.say("1")
    assert shown in wechat.say("无").text


def test_an_unclear_message_at_the_suggestion_asks_if_it_is_the_suggestion(app, wechat):
    """A question the bot cannot answer, typed where the poll asks for other suggestions, is asked about in plain
    words ("这是您的其他建议吗"), not with the step's progress line ("这是已答完选择题，还差其他建议吗")."""
    _at_the_first_question(app, wechat)
    wechat.say("1")
    assert "其他建议" in wechat.say("1").text
    text = wechat.say("结果啥时候公布").text
    assert "已答完选择题" not in text and "这是您的其他建议吗" in text
