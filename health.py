"""Health checks for load balancers and monitoring.

    GET /healthz             "this web process can serve": 200 when the database and Redis answer within
                             HEALTH_TIMEOUT_SECONDS, else 503 naming what is down. The body also carries the version
                             and the scheduler's state, for reading only: a stopped scheduler does not make a web
                             process unfit to serve, so load balancers keep sending it traffic.
    GET /healthz/scheduler   for monitoring: 503 when no scheduler holds the lease, or a periodic job's next run
                             is more than SCHEDULER_OVERDUE_SECONDS in the past (the scheduler is stuck or down).

Each probe runs on a small pool with its own deadline, so a hung store makes the check answer "down" in time
instead of hanging the probe (bounded: at most two probe threads wait on a hung store).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ProbeTimeout
from datetime import datetime, timezone

from flask import Flask, current_app, jsonify
from sqlalchemy import inspect, text

import logs
from extensions import db, redis
from services.clock import utcnow
from version import __version__

log = logs.get(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"          # scheduler.runner's APScheduler job store
_probes = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")


def _bounded(fn, app: Flask, seconds: float) -> str:
    """Run `fn` inside an app context on the probe pool; "ok", or "down" on error or after `seconds`."""
    def run():
        with app.app_context():
            try:
                fn()
            finally:
                db.session.remove()
    future = _probes.submit(run)
    try:
        future.result(timeout=seconds)
        return "ok"
    except ProbeTimeout:
        log.warning("health probe timed out", probe=fn.__name__, seconds=seconds)
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the type goes to the log
        log.warning("health probe failed", probe=fn.__name__, error=type(exc).__name__)
    return "down"


def _db() -> None:
    db.session.execute(text("SELECT 1"))


def _redis() -> None:
    redis.ping()


def scheduler_state(now: datetime) -> dict:
    """The lease holder (or None) and the periodic jobs whose next run is overdue."""
    from models import SchedulerLease

    lease = db.session.get(SchedulerLease, "scheduler")
    holder = lease.holder if lease is not None and lease.expires_at >= now else None
    overdue, jobs = [], 0
    if inspect(db.engine).has_table(JOBSTORE_TABLE):
        # APScheduler stores next_run_time as a Unix timestamp; `now` is naive UTC.
        limit = now.replace(tzinfo=timezone.utc).timestamp() - int(current_app.config["SCHEDULER_OVERDUE_SECONDS"])
        rows = db.session.execute(text(f"SELECT id, next_run_time FROM {JOBSTORE_TABLE}")).all()
        jobs = len(rows)
        overdue = sorted(job_id for job_id, next_run in rows if next_run is not None and next_run < limit)
    db.session.commit()
    return {"holder": holder, "jobs": jobs, "overdue": overdue}


def healthz():
    app = current_app._get_current_object()
    seconds = float(app.config["HEALTH_TIMEOUT_SECONDS"])
    status = {"db": _bounded(_db, app, seconds), "redis": _bounded(_redis, app, seconds)}
    ok = all(v == "ok" for v in status.values())
    body = {**status, "version": __version__}
    if status["db"] == "ok":
        try:
            state = scheduler_state(utcnow())
            body["scheduler"] = "running" if state["holder"] and not state["overdue"] else \
                ("stuck" if state["holder"] else "down")
        except Exception as exc:  # noqa: BLE001 - informative only; never fails the web check
            db.session.rollback()
            log.warning("healthz scheduler state failed", error=type(exc).__name__)
            body["scheduler"] = "unknown"
    return jsonify(body), 200 if ok else 503


def scheduler_check():
    started = time.monotonic()
    state = scheduler_state(utcnow())
    ok = state["holder"] is not None and not state["overdue"] and state["jobs"] > 0
    if not ok:
        log.warning("scheduler check failed", holder=bool(state["holder"]), jobs=state["jobs"],
                    overdue=state["overdue"])
    return jsonify({**state, "ok": ok, "seconds": round(time.monotonic() - started, 3)}), 200 if ok else 503


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/healthz/scheduler", "healthz_scheduler", scheduler_check)
