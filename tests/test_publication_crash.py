"""Kill-and-restart mid-send: the publication finishes with every follower receiving it exactly once."""
from __future__ import annotations

import signal

from models.publication import Status
from services import publications
from tests.support.processes import run_child, child_env, push_then_sigterm
from tests.support.publications import approved, follow, push, send_now, titles

FOLLOWERS = [f"o_crash_{n:03d}" for n in range(40)]


def test_sigkill_between_send_and_mark_neither_doubles_nor_misses(app, sim, base_config):
    """A sender process SIGKILLed right after its 15th send (before marking it) is resumed with no duplicate and
    no follower missed; the interrupted row is reported `unconfirmed`."""
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="中途断电也不重发")
        send_now(pub)
    with run_child(child_env(base_config, sim.url, workers=1), "-m", "tests.publication_crash_worker", "15") as child:
        assert child.wait(timeout=120) == -signal.SIGKILL, child.stderr.read().decode()[-3000:]
    with app.app_context():
        assert sum(len(sim.inbox(o)) for o in FOLLOWERS) == 15
        assert publications.report(pub.id) == {"sent": 14, "sending": 1, "pending": 25}
        push(app)
        assert publications.report(pub.id) == {"sent": 39, "unconfirmed": 1}
        assert publications.get(pub.id).status == Status.SENT
    assert all(titles(sim, o) == ["中途断电也不重发"] for o in FOLLOWERS)


def test_sigterm_mid_send_stops_cleanly_and_resumes(app, sim, base_config):
    """SIGTERM to `flask scheduler push` mid-send (4 workers, sends held in flight): in-flight sends finish and are
    recorded, the restart sends the rest; every follower gets exactly one message."""
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="停机重启照样只发一次")
        send_now(pub)
    push_then_sigterm(sim, child_env(base_config, sim.url, workers=4), after=8)
    with app.app_context():
        interrupted = publications.report(pub.id)
        assert interrupted.get("pending", 0) > 0 and "sending" not in interrupted
        push(app)
        assert publications.report(pub.id) == {"sent": len(FOLLOWERS)}
    assert all(titles(sim, o) == ["停机重启照样只发一次"] for o in FOLLOWERS)
