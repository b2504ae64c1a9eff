"""The scheduler: one lease holder acts, a second waits as standby, the job store persists, pushes go out once."""
from __future__ import annotations

from datetime import datetime, timedelta
from threading import Event

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from sqlalchemy import inspect

from extensions import db
from scheduler import lease
from scheduler.jobs import JOBS
from scheduler.runner import JOBSTORE_TABLE, Runner
from services import publications
from services.clock import CHINA, utcnow
from tests.support.publications import approved, follow, send_now, titles

TTL = timedelta(seconds=30)


def run_push_now(runner: Runner) -> None:
    """Make the active runner's APScheduler run the publications job now, and wait for it to finish."""
    finished = Event()
    runner._scheduler.add_listener(lambda _: finished.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    runner._scheduler.modify_job("publications.push_due", next_run_time=datetime.now(CHINA))
    assert finished.wait(timeout=60)


def test_lease_has_one_holder_until_it_expires(app):
    """Only one holder gets the lease; it renews it; another takes it only after it expires or is released."""
    with app.app_context():
        now = utcnow()
        assert lease.acquire(holder="a", now=now, ttl=TTL)
        assert not lease.acquire(holder="b", now=now + timedelta(seconds=5), ttl=TTL)
        assert lease.acquire(holder="a", now=now + timedelta(seconds=10), ttl=TTL)          # renewal
        assert not lease.acquire(holder="b", now=now + timedelta(seconds=35), ttl=TTL)      # renewed: still a's
        assert lease.acquire(holder="b", now=now + timedelta(seconds=41), ttl=TTL)          # a stopped renewing
        assert lease.holder_of(now=now + timedelta(seconds=42)) == "b"
        lease.release(holder="b")
        assert lease.acquire(holder="a", now=now + timedelta(seconds=43), ttl=TTL)


def test_two_schedulers_one_sends(app, sim):
    """Two schedulers started together: one acts, the other stands by; a due push reaches each follower once,
    and when the active one stops the standby takes over with the jobs it persisted."""
    with app.app_context():
        follow(sim, "o_a", "o_b", "o_c")
    first, second = Runner(app, holder="sched-1"), Runner(app, holder="sched-2")
    try:
        assert first.tick() and not second.tick()
        assert first.active and not second.active and second._scheduler is None
        with app.app_context():
            pub = approved(title="两台调度器只发一次")
            send_now(pub)
        run_push_now(first)
        assert not second.tick()
        with app.app_context():
            assert publications.get(pub.id).status == "sent"
            assert inspect(db.engine).has_table(JOBSTORE_TABLE)
        assert all(titles(sim, o) == ["两台调度器只发一次"] for o in ("o_a", "o_b", "o_c"))

        first.shutdown()                                   # releases the lease
        assert second.tick() and second.active
        assert {job.id for job in second._scheduler.get_jobs()} == {job.id for job in JOBS}
        with app.app_context():
            later = approved(title="接班后继续发送")
            send_now(later)
        run_push_now(second)
        assert all(titles(sim, o) == ["两台调度器只发一次", "接班后继续发送"] for o in ("o_a", "o_b", "o_c"))
    finally:
        first.shutdown()
        second.shutdown()
