"""你点我检 on time: the scheduler opens scheduled polls and closes open ones; the job ids are in JOBS."""
from __future__ import annotations

from datetime import timedelta

from models.poll import PollStatus
from scheduler.jobs import JOBS
from services import polls
from services.clock import utcnow
from tests.poll_support import make_poll


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


def test_poll_jobs_are_in_the_jobs_table():
    """The scheduler runs the poll jobs under stable ids."""
    ids = {job.id for job in JOBS}
    assert {"polls.open_due", "polls.close_due", "polls.reconcile", "polls.notify_voters"} <= ids


def test_poll_jobs_run_in_an_app_context(app):
    """Each poll job runs end to end on an empty database without error."""
    for job in JOBS:
        if job.id.startswith("polls."):
            job.run(app)
