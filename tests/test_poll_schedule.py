"""你点我检 on time: the scheduler opens scheduled polls and closes open ones, and its poll jobs do that work."""
from __future__ import annotations

from datetime import timedelta

from extensions import redis
from models.poll import PollStatus
from scheduler.jobs import JOBS
from services import keys, polls
from services.clock import utcnow
from tests.support.polls import make_poll, vote


def _job(job_id: str):
    """The scheduler's entry for `job_id` (StopIteration if the table lost it)."""
    return next(job for job in JOBS if job.id == job_id)


def test_scheduled_poll_opens_and_closes_on_time(app):
    """open_due opens a scheduled poll once its time comes; close_due closes it after its end."""
    opens = utcnow() + timedelta(hours=1)
    poll_id = make_poll(app, status=PollStatus.SCHEDULED, opens_at=opens, closes_at=opens + timedelta(days=1))
    with app.app_context():
        assert polls.open_due(now=opens - timedelta(minutes=1)) == 0
        assert polls.open_due(now=opens + timedelta(seconds=30)) == 1
        assert polls.get(poll_id).status == PollStatus.OPEN
        assert polls.close_due(now=opens + timedelta(hours=23)) == 0
        assert polls.close_due(now=opens + timedelta(days=1, seconds=5)) == 1
        assert polls.get(poll_id).status == PollStatus.CLOSED


def test_scheduler_jobs_open_a_due_poll_and_close_an_ended_one(app):
    """Run as the scheduler runs them, polls.open_due and polls.close_due leave the change committed."""
    now = utcnow()
    due = make_poll(app, status=PollStatus.SCHEDULED, opens_at=now - timedelta(minutes=1),
                    closes_at=now + timedelta(days=1))
    ended = make_poll(app, status=PollStatus.OPEN, opens_at=now - timedelta(days=2),
                      closes_at=now - timedelta(minutes=1))
    _job("polls.open_due").run(app)
    _job("polls.close_due").run(app)
    with app.app_context():          # a fresh session: only committed work is visible
        assert polls.get(due).status == PollStatus.OPEN
        assert polls.get(ended).status == PollStatus.CLOSED


def test_reconcile_job_rebuilds_a_lost_tally(app, consumer):
    """After Redis loses an open poll's tally, the polls.reconcile job rebuilds it from the ballots."""
    poll_id = make_poll(app, allow_suggestion=False)
    vote(consumer("o_a"), "1 3", "2", suggestion=None)
    vote(consumer("o_b"), "1", "1", suggestion=None)
    with app.app_context():
        redis.delete(keys.poll_tally(poll_id))
    _job("polls.reconcile").run(app)
    with app.app_context():
        tally = redis.hgetall(keys.poll_tally(poll_id))
    assert tally.get("ready") and tally.get("ballots") == "2"
