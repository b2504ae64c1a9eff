"""你点我检 integrity: concurrent re-sent confirms count once, Redis is only a cache, tampering shows."""
from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import delete, select, text, update

from extensions import db, redis
from models.poll import Ballot, BallotChoice, Option, Question
from services import ballots, polls
from services.clock import utcnow
from sim.client import SimUser, http_transport
from tests.support.wechat import APP_ID, TOKEN
from tests.support.polls import make_poll, vote

FOLLOWERS = 200
DELIVERIES = 4


def _picks(i: int) -> tuple[list[int], list[int]]:
    foods = sorted({i % 10 + 1, (i // 10) % 10 + 1})
    return foods, [i % 6 + 1]


@pytest.fixture
def concurrent_db(app):
    """SQLite (the embedded default) lets many threads write only in WAL mode; the mode persists in the file.

    In its default rollback journal a writer that collides with a committing writer gets "database is locked" at
    once (SQLite's deadlock rule, not the busy timeout). PostgreSQL needs nothing."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA journal_mode=WAL"))
            db.session.commit()
    return app


def test_concurrent_followers_with_confirms_delivered_four_times_count_once(concurrent_db, app, live_app):
    """200 followers vote at once, each 确认 arriving four times concurrently: one ballot each, tallies match."""
    poll_id = make_poll(app, allow_suggestion=False)
    sessions = [requests.Session() for _ in range(8)]

    def user(i: int) -> SimUser:
        return SimUser(http_transport(live_app, sessions[i % len(sessions)]), token=TOKEN, app_id=APP_ID,
                       openid=f"o_voter_{i:04d}")

    def walk_to_confirm(i: int) -> tuple[bytes, dict[str, str]]:
        u = user(i)
        foods, places = _picks(i)
        assert "欢迎" in u.follow().text
        assert "1. 牛奶" in u.click("POLL").text
        assert "第2题" in u.say(" ".join(map(str, foods))).text
        assert "请确认" in u.say(",".join(map(str, places))).text
        return u.build({"MsgType": "text", "Content": "确认"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        confirms = list(pool.map(walk_to_confirm, range(FOLLOWERS)))
        deliveries = [(i, body, params) for i, (body, params) in enumerate(confirms) for _ in range(DELIVERIES)]
        random.Random(315).shuffle(deliveries)
        answers = list(pool.map(lambda d: user(d[0]).post(d[1], d[2]), deliveries))

    assert all(a.status == 200 for a in answers)
    assert {i for (i, _, _), a in zip(deliveries, answers) if "投票成功" in a.text} == set(range(FOLLOWERS))
    expected: Counter[int] = Counter()
    for i in range(FOLLOWERS):
        foods, places = _picks(i)
        expected.update(foods)
        expected.update(10 + p for p in places)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ballot)) == FOLLOWERS
        tally = polls.tallies(poll_id=poll_id, now=utcnow())
        assert tally.ballots == FOLLOWERS
        by_number = {(q_index * 10) + o.position: o.count
                     for q_index, q in enumerate(tally.questions) for o in q.options}
        assert {k: v for k, v in by_number.items() if v} == dict(expected)
        assert ballots.verify(poll_id=poll_id).ok


def test_reconcile_after_losing_redis_gives_identical_tallies(app, consumer):
    """Flushing Redis loses no vote: reconcile rebuilds the same tallies from the ballots."""
    poll_id = make_poll(app, allow_suggestion=False)
    vote(consumer("o_a"), "1 2", "1", suggestion=None)
    vote(consumer("o_b"), "2 3", "1 2", suggestion=None)
    vote(consumer("o_c"), "2", "6", suggestion=None)
    with app.app_context():
        before = polls.tallies(poll_id=poll_id, now=utcnow())
        assert before.ballots == 3
        assert before.questions[0].options[0].label == "鸡蛋" and before.questions[0].options[0].count == 3
        redis.flushdb()
        assert polls.reconcile(poll_id=poll_id, now=utcnow()) == before
        redis.flushdb()
        assert polls.tallies(poll_id=poll_id, now=utcnow()) == before
        assert redis.hget(f"cp:poll:{poll_id}:tally", "ballots") == "3"


def test_votes_cast_while_the_cache_is_gone_are_counted_after_reconcile(app, consumer):
    """Ballots cast after Redis lost the tally are not half-counted: the next read rebuilds the whole tally."""
    poll_id = make_poll(app, allow_suggestion=False)
    vote(consumer("o_a"), "1", "1", suggestion=None)
    with app.app_context():
        polls.tallies(poll_id=poll_id, now=utcnow())
        redis.flushdb()
    vote(consumer("o_b"), "1", "2", suggestion=None)
    with app.app_context():
        tally = polls.tallies(poll_id=poll_id, now=utcnow())
        assert tally.ballots == 2 and tally.questions[0].options[0].count == 2


def test_hash_chain_detects_a_changed_ballot(app, consumer):
    """Changing a stored choice, a suggestion or deleting a ballot breaks the chain at that ballot."""
    poll_id = make_poll(app)
    vote(consumer("o_a"), "1", "1")
    vote(consumer("o_b"), "2", "2", suggestion="多抽检网店")
    vote(consumer("o_c"), "3", "3")
    with app.app_context():
        assert ballots.verify(poll_id=poll_id) == ballots.ChainCheck(ok=True, ballots=3)
        second = db.session.scalar(select(Ballot).where(Ballot.seq == 2))
        other = db.session.scalar(select(Option.id).join(Question).where(Question.poll_id == poll_id,
                                                                         Question.position == 1,
                                                                         Option.position == 9))
        db.session.execute(update(BallotChoice).where(BallotChoice.ballot_id == second.id,
                                                      BallotChoice.question_id == second.choices[0].question_id)
                           .values(option_id=other))
        db.session.commit()
        db.session.expire_all()
        assert ballots.verify(poll_id=poll_id).broken_at == 2


def test_hash_chain_detects_a_deleted_ballot(app, consumer):
    """Removing a ballot from the middle of the chain shows at the next one."""
    poll_id = make_poll(app, allow_suggestion=False)
    for n, openid in enumerate(["o_a", "o_b", "o_c"], start=1):
        vote(consumer(openid), str(n), str(n), suggestion=None)
    with app.app_context():
        second = db.session.scalar(select(Ballot).where(Ballot.seq == 2))
        db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == second.id))
        db.session.execute(delete(Ballot).where(Ballot.id == second.id))
        db.session.commit()
        check = ballots.verify(poll_id=poll_id)
        assert not check.ok and check.broken_at == 3


def test_unfollowing_erases_the_openid_but_keeps_the_vote(app, consumer):
    """A voter who unfollows keeps their counted ballot without their openid, and cannot vote again on return."""
    poll_id = make_poll(app, allow_suggestion=False)
    user = consumer("o_leaver")
    vote(user, "1", "1", suggestion=None)
    user.unfollow()
    with app.app_context():
        ballot = db.session.scalar(select(Ballot))
        assert ballot.openid is None
        assert polls.tallies(poll_id=poll_id, now=utcnow()).ballots == 1
        assert ballots.verify(poll_id=poll_id).ok
    user.push({"MsgType": "event", "Event": "subscribe", "EventKey": ""}, create_time=int(time.time()) + 60)
    assert "每人限投一次" in user.say("投票").text
