"""PUBLICATION_PROCESSES: helper processes share one publication's one-by-one delivery, each follower exactly once."""
from __future__ import annotations

import os
import signal
import time
from dataclasses import replace

from sqlalchemy import select

from extensions import db
from models import Delivery
from services import publications
from services.clock import utcnow
from services.delivery import Settings
from tests.test_publication_crash import _run_child, child_env
from tests.test_publications import approved, follow, push, titles

FOLLOWERS = [f"o_proc_{n:03d}" for n in range(200)]


def test_two_delivery_processes_share_a_publication_exactly_once(make_app, sim):
    """With two delivery processes every follower receives the publication once, and both processes sent some."""
    app = make_app(PUBLICATION_PROCESSES=2, PUBLICATION_WORKERS=4, PUBLICATION_TEMPLATE_ID="TPL_PUB")
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="两个进程也只发一次")
        publications.send_now(pub.id, by="checker", now=utcnow())
        settings = Settings.of(app.config)
        assert settings.processes == 2
        assert push(app, settings=replace(settings, backoff=0.01)) == len(FOLLOWERS)
        assert publications.report(pub.id) == {"sent": len(FOLLOWERS)}
        claims = set(db.session.scalars(select(Delivery.claim).where(Delivery.publication_id == pub.id)))
    assert len(claims) == 2                                    # the helper won rows too: two runs sent
    assert all(titles(sim, o) == ["两个进程也只发一次"] for o in FOLLOWERS)


def test_sigterm_stops_the_helpers_too_and_the_restart_finishes_once(app, sim, base_config):
    """SIGTERM to `flask scheduler push` with a helper process mid-send: both stop claiming and record what was in
    flight (nothing left `sending`); the restart sends the rest; every follower gets exactly one message."""
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="停机时帮手进程也停")
        publications.send_now(pub.id, by="checker", now=utcnow())
    sim.configure(latency_ms=20)
    env = {**child_env(base_config, sim.url, workers=2), "PUBLICATION_PROCESSES": "2"}
    child = _run_child(env, "-m", "flask", "--app", "app", "scheduler", "push")
    try:
        deadline = time.monotonic() + 120
        while sum(len(sim.inbox(o)) for o in FOLLOWERS) < 120 and time.monotonic() < deadline:
            time.sleep(0.01)   # watching the sim's inboxes to pick the moment to stop it, not to synchronise
        os.kill(child.pid, signal.SIGTERM)
        assert child.wait(timeout=60) == 0, child.stderr.read().decode()[-3000:]
    finally:
        sim.configure(latency_ms=0)
        if child.poll() is None:
            child.kill()
    with app.app_context():
        interrupted = publications.report(pub.id)
        assert interrupted.get("pending", 0) > 0
        assert "sending" not in interrupted and "unconfirmed" not in interrupted
        push(app)
        assert publications.report(pub.id) == {"sent": len(FOLLOWERS)}
    assert all(titles(sim, o) == ["停机时帮手进程也停"] for o in FOLLOWERS)
