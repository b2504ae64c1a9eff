"""你点我检 integrity: concurrent re-sent confirms count once, Redis is only a cache, tampering shows."""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import delete, select, text, update

from extensions import db, redis
from models.poll import Ballot, BallotChoice, Option, Poll, Question
from services import ballots, polls
from services.clock import utcnow
from sim.client import SimUser, http_transport
from tests.support.wechat import APP_ID, TOKEN, transport_for
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


def _to_confirm(user) -> None:
    user.follow()
    user.click("POLL")
    user.say("1 3")
    assert "请确认" in user.say("2").text


@contextmanager
def _poll_locked(app, poll_id: int):
    """Another transaction holds the poll's row lock, as a ballot being appended does, until the block ends."""
    with app.app_context(), db.engine.connect() as holder:
        if holder.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (TEST_DATABASE_URL): SQLite queues writers with its busy timeout")
        holder.execute(select(Poll.id).where(Poll.id == poll_id).with_for_update())
        try:
            yield holder
        finally:
            holder.rollback()


def _waited_on_a_lock(holder, seconds: float) -> bool:
    return bool(holder.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND clock_timestamp() - query_start > make_interval(secs => :s)"), {"s": seconds}).scalar())


def test_a_confirm_queued_behind_other_ballots_longer_than_lock_timeout_is_still_counted(make_app, sim):
    """On 3·15 a ballot waits its turn on the poll's chain: waiting longer than lock_timeout is queueing, not a
    fault, so the 确认 is counted and thanked, not apologised for."""
    app = make_app(DB_LOCK_TIMEOUT=0.2)
    poll_id = make_poll(app, allow_suggestion=False)
    user = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_queued_voter", api_base=sim.url)
    _to_confirm(user)
    answers = []
    with _poll_locked(app, poll_id) as holder:
        voter = threading.Thread(target=lambda: answers.append(user.say("确认")))
        voter.start()
        for _ in range(1000):        # until the confirm has queued three lock_timeouts, or was answered anyway
            voter.join(timeout=0.02)
            if not voter.is_alive() or _waited_on_a_lock(holder, 0.6):
                break
    voter.join()
    assert "投票成功" in answers[0].text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ballot)) == 1
        assert ballots.verify(poll_id=poll_id).ok


def test_a_confirm_that_cannot_get_its_turn_before_the_deadline_is_asked_to_send_again(make_app, sim):
    """A ballot still queued near the webhook's database deadline is not cast: the voter is asked to send 确认
    again (not told the system failed), and the next 确认 counts once."""
    app = make_app(DB_LOCK_TIMEOUT=0.2, WEBHOOK_DB_DEADLINE=1.5)
    poll_id = make_poll(app, allow_suggestion=False)
    user = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_patient_voter", api_base=sim.url)
    _to_confirm(user)
    with _poll_locked(app, poll_id):
        busy = user.say("确认")
        with app.app_context():
            assert db.session.scalar(select(db.func.count()).select_from(Ballot)) == 0
    assert busy.text == ballots.BUSY
    assert "投票成功" in user.say("确认").text
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Ballot)) == 1
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
