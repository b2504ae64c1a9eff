"""The scheduler process: hold the lease, and while holding it run APScheduler over a persistent job store.

    flask --app app scheduler run        one process; start two and the second waits as standby

APScheduler 3 (BackgroundScheduler) keeps the JOBS table in a SQLAlchemyJobStore on the application database, so
next run times survive restarts; a run that fell due while no scheduler was up runs once when one returns, if it
is less than `PUBLICATION_GRACE_SECONDS` late (misfire_grace_time, coalesce). The store holds only each job's id
(`run_job(id)`); the function is looked up in `scheduler.jobs.JOBS` at run time.

Only the lease holder starts APScheduler. It renews the lease every third of its lifetime; if renewal fails it stops
its scheduler and asks running jobs to wind down (`halt`). Effects are exactly-once without the lease too (database
claims); the lease keeps two processes from doing the same work.
"""
from __future__ import annotations

import os
import socket
import secrets
from datetime import timedelta
from threading import Event, Thread

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

import logs
from extensions import db
from scheduler import lease
from scheduler.jobs import JOBS
from services.clock import CHINA, utcnow

log = logs.get(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
_apps: dict[str, Flask] = {}            # the active runner's app, for run_job (the store keeps no app)


def run_job(job_id: str) -> None:
    """What the job store keeps for each periodic job: its id; the function comes from JOBS."""
    job = next((j for j in JOBS if j.id == job_id), None)
    app = _apps.get("active")
    if job is None or app is None:
        log.warning("stored job has no function or no app", job=job_id)
        return
    job.run(app)


class Runner:
    def __init__(self, app: Flask, *, holder: str | None = None) -> None:
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.ttl = timedelta(seconds=int(app.config["SCHEDULER_LEASE_SECONDS"]))
        self.grace = int(app.config["PUBLICATION_GRACE_SECONDS"])
        self.stopping = Event()         # the process is shutting down
        self.halt = Event()             # this activation ended: running jobs wind down
        self.active = False
        self._scheduler: BackgroundScheduler | None = None
        app.extensions["scheduler"] = self

    def tick(self) -> bool:
        """One lease round: take or renew it, and start or stop APScheduler to match. True while active."""
        with self.app.app_context():
            mine = lease.acquire(holder=self.holder, now=utcnow(), ttl=self.ttl)
            db.session.remove()
        if mine and not self.active:
            self._start()
        elif not mine and self.active:
            log.warning("scheduler lease lost; standing by", holder=self.holder)
            self._stop()
        return mine

    def run(self) -> None:
        """Act while holding the lease, stand by otherwise, until `stopping` is set."""
        log.info("scheduler started", holder=self.holder)
        try:
            while not self.stopping.is_set():
                self.tick()
                self.stopping.wait(self.ttl.total_seconds() / 3)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self.stopping.set()
        if self.active:
            self._stop()
            with self.app.app_context():
                lease.release(holder=self.holder)
                db.session.remove()
        log.info("scheduler stopped", holder=self.holder)

    def _start(self) -> None:
        self.halt = Event()
        _apps["active"] = self.app
        with self.app.app_context():
            store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
        sched = BackgroundScheduler(jobstores={"default": store}, timezone=CHINA, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": self.grace})
        sched.start(paused=True)
        for job in JOBS:
            stored = sched.get_job(job.id)
            if stored is not None and stored.name == _fingerprint(job):
                continue                # keep its stored next run time: a missed run is honoured on resume
            sched.add_job(run_job, args=[job.id], id=job.id, name=_fingerprint(job), replace_existing=True,
                          **job.trigger)
        known = {job.id for job in JOBS}
        for stored in sched.get_jobs():
            if stored.id not in known:
                stored.remove()
        sched.resume()
        self._scheduler, self.active = sched, True
        log.info("scheduler active", holder=self.holder, jobs=len(JOBS))

    def _stop(self) -> None:
        self.halt.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        self._scheduler, self.active = None, False
        if _apps.get("active") is self.app:
            _apps.pop("active", None)


def _fingerprint(job) -> str:
    """The job's id and trigger, kept as the stored job's name: a changed trigger replaces the stored job."""
    return f"{job.id} " + " ".join(f"{k}={v}" for k, v in sorted(job.trigger.items()))


def start_in_background(app: Flask) -> Runner:
    """Run the scheduler in a daemon thread of this process (development: `flask dev`)."""
    runner = Runner(app)
    Thread(target=runner.run, daemon=True, name="scheduler").start()
    return runner
