"""Every periodic job, in one table, each with a stable id (the persistent job store keys on it: never rename one).

A job is 3–6 lines: an app context, one service call, one log line. If it grows an `if`, the rule belongs in the
service. A job takes the Flask `app` (the runner passes it; only the id is stored, so nothing unpicklable is
persisted). Add a feature's job as one function here plus one line in `JOBS`.

    Job("publications.push_due", push_publications, every(seconds=15))
    Job("followers.reconcile", reconcile_followers, cron(hour=3, minute=40))
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from threading import Event

from flask import Flask

import logs
from extensions import db
from scheduler.delivery_helpers import Launcher
from services import publications
from services.clock import utcnow
from services.delivery import Settings

log = logs.get(__name__)


def every(**interval) -> dict:
    """An interval trigger: `every(minutes=5)`."""
    return {"trigger": "interval", **interval}


def cron(**fields) -> dict:
    """A cron trigger in China time: `cron(hour=8, minute=30)`, `cron(day_of_week="mon-fri", hour=9)`."""
    return {"trigger": "cron", "timezone": "Asia/Shanghai", **fields}


@dataclass(frozen=True)
class Job:
    id: str                              # stable: the job store keys on it
    run: Callable[[Flask], object]       # run(app): app context, one service call, one log line
    trigger: dict = field(default_factory=dict)


def halted(app: Flask) -> Event | None:
    """Set when this scheduler stops or loses its lease: a long job winds down (no new claims)."""
    runner = app.extensions.get("scheduler")
    return runner.halt if runner is not None else None


def outbound_sender(app: Flask):
    """The real Sender wired by `bot.init_app` (the WeChat API, or the sim/ in development)."""
    return app.extensions["outbound"].sender


# --- publications (issue 7) -----------------------------------------------------------------------------------
def push_publications(app: Flask, stop: Event | None = None) -> None:
    """Send what fell due (within the grace period), due cron occurrences, and finish interrupted sends."""
    with app.app_context():
        n = publications.push_due(now=utcnow(), sender=outbound_sender(app), settings=Settings.of(app.config),
                                  clock=utcnow, stop=stop or halted(app), launch=Launcher.of(app))
    log.info("publications pushed", n=n)


# --- complaints (issue 5) -------------------------------------------------------------------------------------
def remind_complaints(app: Flask, stop: Event | None = None) -> None:
    """Remind assignees and heads of cases at 50 %, 75 %, due and overdue (once each)."""
    from services import complaints
    with app.app_context():
        n = complaints.send_reminders(now=utcnow(), sender=outbound_sender(app),
                                      template_id=app.config.get("STAFF_ALERT_TEMPLATE_ID") or None)
        db.session.commit()      # the staff alerts' delivery attempts
    log.info("complaint reminders", n=n)


def fetch_evidence(app: Flask, stop: Event | None = None) -> None:
    """Retry evidence photos whose media fetch failed; purge photos of intakes never filed."""
    from services import case_evidence
    with app.app_context():
        stored, purged = case_evidence.maintain(now=utcnow(), fetch=outbound_sender(app).fetch_media)
        db.session.commit()
    log.info("evidence photos", stored=stored, purged=purged)


# --- 你点我检 (issue 6) ---------------------------------------------------------------------------------------
def open_polls(app: Flask, stop: Event | None = None) -> None:
    """Open every scheduled poll whose opening time has come."""
    from services import polls
    with app.app_context():
        n = polls.open_due(now=utcnow())
        db.session.commit()
    log.info("polls opened", n=n)


def close_polls(app: Flask, stop: Event | None = None) -> None:
    """Close every open poll whose closing time has passed (and rebuild its tally)."""
    from services import polls
    with app.app_context():
        n = polls.close_due(now=utcnow())
        db.session.commit()
    log.info("polls closed", n=n)


def reconcile_polls(app: Flask, stop: Event | None = None) -> None:
    """Rebuild the Redis tallies of open and just-closed polls from the ballots table."""
    from services import polls
    with app.app_context():
        n = polls.reconcile_active(now=utcnow())
    log.info("poll tallies reconciled", n=n)


def notify_poll_voters(app: Flask, stop: Event | None = None) -> None:
    """Tell voters still waiting the sampling results of the items they chose (each once)."""
    from services import sampling
    with app.app_context():
        n = sampling.notify_voters(now=utcnow(), sender=outbound_sender(app),
                                   template_id=app.config.get("POLL_RESULT_TEMPLATE_ID"))
    log.info("poll voters told", n=n)


def remind_disposals(app: Flask, stop: Event | None = None) -> None:
    """Remind the responsible staff of 核查处置 cases at 50 %, 75 %, due and overdue (once each)."""
    from services import disposal_notices
    with app.app_context():
        n = disposal_notices.send_reminders(now=utcnow(), sender=outbound_sender(app),
                                            template_id=app.config.get("STAFF_ALERT_TEMPLATE_ID") or None)
        db.session.commit()      # the staff alerts' delivery attempts
    log.info("disposal reminders", n=n)


def notify_disposal_voters(app: Flask, stop: Event | None = None) -> None:
    """Tell voters of a 不合格 item its published 核查处置 outcome (each once)."""
    from services import disposal_notices
    with app.app_context():
        n = disposal_notices.notify_voters(now=utcnow(), sender=outbound_sender(app),
                                           template_id=app.config.get("POLL_RESULT_TEMPLATE_ID"))
    log.info("disposal voters told", n=n)


def open_surveys(app: Flask, stop: Event | None = None) -> None:
    """Open every 消费调查 whose opening time has come."""
    from services import surveys
    with app.app_context():
        n = surveys.open_due(now=utcnow())
        db.session.commit()
    log.info("surveys opened", n=n)


def close_surveys(app: Flask, stop: Event | None = None) -> None:
    """Close every open 消费调查 whose closing time has passed."""
    from services import surveys
    with app.app_context():
        n = surveys.close_due(now=utcnow())
        db.session.commit()
    log.info("surveys closed", n=n)


# --- followers (issue 12) ------------------------------------------------------------------------------------
def apply_follow_queue(app: Flask, stop: Event | None = None) -> None:
    """Apply the follows and unfollows kept while the database was down."""
    from services import followers
    with app.app_context():
        n = followers.apply_queued()
    log.info("queued follow events applied", n=n)


def reconcile_followers(app: Flask, stop: Event | None = None) -> None:
    """Repair the follower list against WeChat's (user/get: 500 calls a day, 10 000 openids a call)."""
    from services import followers
    with app.app_context():
        total, openids = outbound_sender(app).follower_list()
        added, removed = followers.reconcile(total=total, openids=openids, now=utcnow())
        db.session.commit()
    log.info("followers reconciled", total=total, added=added, removed=removed)


# --- 人工值守 (issue 15) ----------------------------------------------------------------------------------------
def alert_staff(app: Flask, stop: Event | None = None) -> None:
    """Tell on-duty staff on their phones of threads waiting, SLAs about to break and 复核 waiting (once each)."""
    from services import staff_alerts
    with app.app_context():
        n = staff_alerts.alert_all(now=utcnow(), sender=outbound_sender(app),
                                   template_id=app.config.get("STAFF_ALERT_TEMPLATE_ID") or None)
        db.session.commit()
    log.info("staff alerted", n=n)


def purge_drafts(app: Flask, stop: Event | None = None) -> None:
    """Delete conversation drafts past their expiry: they hold names and phone numbers."""
    from services import drafts
    with app.app_context():
        n = drafts.purge_expired(now=utcnow())
        db.session.commit()
    log.info("expired drafts purged", n=n)


def purge_ended_sessions(app: Flask, stop: Event | None = None) -> None:
    """Forget logged-out console sessions whose cookies have expired anyway (CONSOLE_SESSION_HOURS after login)."""
    from services import console_sessions
    with app.app_context():
        hours = int(app.config["CONSOLE_SESSION_HOURS"])
        n = console_sessions.purge(before=utcnow() - timedelta(hours=hours))
        db.session.commit()
    log.info("ended console sessions purged", n=n)


JOBS: list[Job] = [
    Job("publications.push_due", push_publications, every(seconds=15)),
    Job("complaints.remind", remind_complaints, every(minutes=15)),
    Job("complaints.fetch_evidence", fetch_evidence, every(minutes=10)),
    Job("polls.open_due", open_polls, every(minutes=1)),
    Job("polls.close_due", close_polls, every(minutes=1)),
    Job("polls.reconcile", reconcile_polls, every(minutes=5)),
    Job("polls.notify_voters", notify_poll_voters, every(minutes=1)),
    Job("disposals.remind", remind_disposals, every(minutes=15)),
    Job("disposals.notify_voters", notify_disposal_voters, every(minutes=1)),
    Job("surveys.open_due", open_surveys, every(minutes=1)),
    Job("surveys.close_due", close_surveys, every(minutes=1)),
    Job("followers.apply_queued", apply_follow_queue, every(minutes=1)),
    Job("followers.reconcile", reconcile_followers, cron(hour=3, minute=40)),
    Job("inbox.alert_staff", alert_staff, every(minutes=1)),
    Job("drafts.purge_expired", purge_drafts, every(hours=1)),
    Job("console.purge_ended_sessions", purge_ended_sessions, every(hours=6)),
]
