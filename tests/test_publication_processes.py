"""PUBLICATION_PROCESSES: helper processes share one publication's one-by-one delivery, each follower exactly once."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import requests
from sqlalchemy import func, select

from extensions import db
from models import Delivery
from models.publication import DeliveryStatus, Status
from services import publications
from services.delivery import Settings
from tests.support.processes import child_env, push_then_sigterm
from tests.support.publications import approved, follow, push, send_now, titles

FOLLOWERS = [f"o_proc_{n:03d}" for n in range(200)]


def test_two_delivery_processes_share_a_publication_exactly_once(make_app, sim):
    """With two delivery processes every follower receives the publication once, and both processes sent some."""
    app = make_app(PUBLICATION_PROCESSES=2, PUBLICATION_WORKERS=4, PUBLICATION_TEMPLATE_ID="TPL_PUB")
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="两个进程也只发一次")
        send_now(pub)
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
        send_now(pub)
    env = {**child_env(base_config, sim.url, workers=2), "PUBLICATION_PROCESSES": "2"}
    push_then_sigterm(sim, env, after=120)
    with app.app_context():
        interrupted = publications.report(pub.id)
        assert interrupted.get("pending", 0) > 0
        assert "sending" not in interrupted and "unconfirmed" not in interrupted
        push(app)
        assert publications.report(pub.id) == {"sent": len(FOLLOWERS)}
    got = {o: titles(sim, o) for o in FOLLOWERS}
    assert all(t == ["停机时帮手进程也停"] for t in got.values()), {o: t for o, t in got.items() if t != ["停机时帮手进程也停"]}


def test_sigkill_of_a_helper_mid_send_unconfirms_its_rows_and_sends_the_rest_once(make_app, sim):
    """A helper process SIGKILLed with sends in flight: its `sending` rows end up `unconfirmed` and are never
    resent, and every other follower receives the publication exactly once."""
    app = make_app(PUBLICATION_PROCESSES=2, PUBLICATION_WORKERS=4, PUBLICATION_TEMPLATE_ID="TPL_PUB")
    with app.app_context():
        follow(sim, *FOLLOWERS)
        for openid in FOLLOWERS:             # each wrote to us, so the sim takes the message on its first call
            requests.post(f"{sim.url}/sim/inbound", json={"openid": openid, "action": "message"},
                          timeout=5).raise_for_status()
        pub = approved(title="帮手进程被杀也不重发")
        send_now(pub)
        settings = replace(Settings.of(app.config), backoff=0.01)

    def deliver() -> int:                    # the scheduler's push, in a thread: this process is the helpers' parent
        with app.app_context():
            return push(app, settings=settings)

    def helper_mid_send() -> bool:           # helper 1 of 2 takes the odd ids: has it sent some, with more in flight?
        rows = dict(db.session.execute(select(Delivery.status, func.count()).where(
            Delivery.publication_id == pub.id, Delivery.id % 2 == 1).group_by(Delivery.status)).all())
        return rows.get(DeliveryStatus.SENT, 0) >= 2 * settings.workers and rows.get(DeliveryStatus.SENDING, 0) > 0

    sim.configure(latency_ms=20)             # each send stays in flight (claimed, not yet marked) for 20 ms
    try:
        with ThreadPoolExecutor(max_workers=1) as thread, app.app_context():
            delivering = thread.submit(deliver)
            deadline, helper = time.monotonic() + 120, None
            while time.monotonic() < deadline and not delivering.done():
                db.session.rollback()        # a fresh read each time
                helper = next((p for p in multiprocessing.active_children()
                               if p.name == f"pub{pub.id}-helper1" and helper_mid_send()), None)
                if helper:
                    break
                time.sleep(0.005)            # the polling interval, not a synchronisation
            assert helper is not None, "the helper never had a send in flight"
            os.kill(helper.pid, signal.SIGKILL)
            delivering.result(timeout=120)
            assert helper.exitcode == -signal.SIGKILL
    finally:
        sim.configure(latency_ms=0)
    with app.app_context():
        db.session.rollback()
        report = publications.report(pub.id)
        lost = set(db.session.scalars(select(Delivery.openid).where(
            Delivery.publication_id == pub.id, Delivery.status == DeliveryStatus.UNCONFIRMED)))
        assert 1 <= len(lost) <= settings.workers                # at most one per worker of the killed helper
        assert report == {"sent": len(FOLLOWERS) - len(lost), "unconfirmed": len(lost)}
        inboxes = {o: titles(sim, o) for o in FOLLOWERS}
        push(app, settings=settings)                             # a later run resends nothing
        assert publications.report(pub.id) == report
        assert publications.get(pub.id).status == Status.SENT
    assert {o: titles(sim, o) for o in FOLLOWERS} == inboxes
    assert all(inboxes[o] == ["帮手进程被杀也不重发"] for o in FOLLOWERS if o not in lost)
    assert all(inboxes[o] in ([], ["帮手进程被杀也不重发"]) for o in lost)    # WeChat may have had it: at most once
