"""Prometheus metrics at GET /metrics (prometheus_client), for the figures an office alerts on.

Counted in each process as requests happen (multiprocess-safe: under gunicorn, `gunicorn.conf.py` points
PROMETHEUS_MULTIPROC_DIR at a fresh directory and each worker writes its own files, summed at scrape time):

    cp_webhook_seconds                       histogram of /wechat handling time
    cp_webhook_responses_total{status}       /wechat answers by HTTP status (5xx = errors; 403/400/413 = refused)
    cp_webhook_slow_replies_total            /wechat answers later than WeChat's 5 seconds after nginx got the push
    cp_webhook_deferred_total                /wechat pushes answered 稍后回复 under overload (bot/late.py)
    cp_store_errors_total{store}             database errors raised to the code (SQLAlchemy), a request's first
                                             Redis failure, failed store probes
    cp_security_rejections_total{kind}       csrf, signature (403 on /wechat), malformed (400), too_large (413)

Read from the database when scraped (one small query each, so any process answers the same):

    cp_unanswered_questions                  维权问答 questions waiting for staff
    cp_cases{due}                            running cases: overdue, due_soon (≤ 2 days), on_time, none
    cp_publications{status}, cp_publication_deliveries{status}
    cp_scheduler_lease_held, cp_scheduler_jobs_overdue, cp_store_up{store}, cp_build_info{version}

No label carries personal data (no openid, no case number). Restrict /metrics to the monitoring network (deploy/).
"""
from __future__ import annotations

import os
import time
from datetime import timedelta

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event, func, select

import logs
from extensions import db
from version import __version__

log = logs.get(__name__)

WECHAT_DEADLINE = 5.0                    # WeChat waits 5 s, then retries (passive-reply doc)
_live = CollectorRegistry(auto_describe=True)

WEBHOOK_SECONDS = Histogram("cp_webhook_seconds", "Time to answer a /wechat push", registry=_live,
                            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10))
WEBHOOK_RESPONSES = Counter("cp_webhook_responses", "/wechat answers by HTTP status", ["status"], registry=_live)
DEFERRED = Counter("cp_webhook_deferred", "/wechat pushes answered 稍后回复 under overload (bot/late.py)",
                   registry=_live)
SLOW_REPLIES = Counter("cp_webhook_slow_replies", "/wechat answers slower than 5 s", registry=_live)
STORE_ERRORS = Counter("cp_store_errors", "Errors from the database or Redis", ["store"], registry=_live)
REJECTIONS = Counter("cp_security_rejections", "Refused requests by reason", ["kind"], registry=_live)
WEBHOOK_REFUSALS = {403: "signature", 400: "malformed", 413: "too_large"}
for _store in ("db", "redis"):
    STORE_ERRORS.labels(store=_store)
for _kind in ("csrf", *WEBHOOK_REFUSALS.values()):
    REJECTIONS.labels(kind=_kind)


def rejected(kind: str) -> None:
    """Count a refused request (csrf, signature, ...); the caller logs it."""
    REJECTIONS.labels(kind=kind).inc()


def _start() -> None:
    if request.path == "/wechat" and request.method == "POST":
        g.metrics_started = time.monotonic()


def _finish(response):
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    now = time.monotonic()
    seconds = now - started
    waited = now - g.get("push_arrived", started)       # WeChat's 5 s include the time queued in nginx
    WEBHOOK_SECONDS.observe(seconds)
    WEBHOOK_RESPONSES.labels(status=str(response.status_code)).inc()
    if waited > WECHAT_DEADLINE:
        SLOW_REPLIES.inc()
        log.warning("webhook reply too slow", seconds=round(waited, 3))
    kind = WEBHOOK_REFUSALS.get(response.status_code)
    if kind:
        rejected(kind)
        # Security event: who was refused and why; never the query (it names the follower) or the body.
        log.warning("webhook refused", status=response.status_code, reason=kind, client=request.remote_addr)
    return response


def redis_error() -> None:
    """Count a Redis failure seen by the code (bounds: once per request, when it first fails)."""
    STORE_ERRORS.labels(store="redis").inc()


def _db_error(context) -> None:
    STORE_ERRORS.labels(store="db").inc()


class _State:
    """Figures read from the database at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        from health import _bounded, _db, _redis, scheduler_state
        from models import Delivery, Publication, UnansweredQuestion
        from models.complaint import Case
        from models.faq import QueueStatus
        from models.publication import DeliveryStatus, Status
        from services.case_queries import DUE_SOON_DAYS, RUNNING
        from services.clock import china_today, utcnow

        seconds = float(self.app.config["HEALTH_TIMEOUT_SECONDS"])
        up = GaugeMetricFamily("cp_store_up", "1 when the store answers within the health deadline", labels=["store"])
        for store, probe in (("db", _db), ("redis", _redis)):
            ok = _bounded(probe, self.app, seconds) == "ok"
            if not ok:
                STORE_ERRORS.labels(store=store).inc()
            up.add_metric([store], 1 if ok else 0)
        yield up
        info = GaugeMetricFamily("cp_build_info", "The running release", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        now = utcnow()
        today = china_today(now)
        try:
            waiting = db.session.scalar(select(func.count()).select_from(UnansweredQuestion)
                                        .where(UnansweredQuestion.status == QueueStatus.OPEN)) or 0
            yield GaugeMetricFamily("cp_unanswered_questions", "Questions waiting for staff", value=waiting)
            cases = GaugeMetricFamily("cp_cases", "Running cases by deadline", labels=["due"])
            running = Case.status.in_(RUNNING)
            soon = today + timedelta(days=DUE_SOON_DAYS)
            for label, where in (("overdue", Case.due_on < today),
                                 ("due_soon", Case.due_on.between(today, soon)),
                                 ("on_time", Case.due_on > soon), ("none", Case.due_on.is_(None))):
                cases.add_metric([label], db.session.scalar(select(func.count()).where(running, where)) or 0)
            yield cases
            for name, model, states, text in (
                    ("cp_publications", Publication, Status, "Publications by status"),
                    ("cp_publication_deliveries", Delivery, DeliveryStatus, "Deliveries by status")):
                counts = {str(s): 0 for s in states}
                counts.update({str(status): n for status, n in db.session.execute(
                    select(model.status, func.count()).group_by(model.status))})
                family = GaugeMetricFamily(name, text, labels=["status"])
                for status, n in counts.items():
                    family.add_metric([status], n)
                yield family
            state = scheduler_state(now)
            yield GaugeMetricFamily("cp_scheduler_lease_held", "1 when a scheduler holds the lease",
                                    value=1 if state["holder"] else 0)
            yield GaugeMetricFamily("cp_scheduler_jobs_overdue", "Periodic jobs past their next run",
                                    value=len(state["overdue"]))
        except Exception as exc:  # noqa: BLE001 - a scrape reports what it can; the store error is counted
            db.session.rollback()
            STORE_ERRORS.labels(store="db").inc()
            log.warning("metrics state failed", error=type(exc).__name__)


def metrics() -> Response:
    app = current_app._get_current_object()
    state = CollectorRegistry(auto_describe=False)
    state.register(_State(app))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = _live
    body = generate_latest(counted) + generate_latest(state)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.add_url_rule("/metrics", "metrics", metrics)
    with app.app_context():
        if not event.contains(db.engine, "handle_error", _db_error):
            event.listen(db.engine, "handle_error", _db_error)
