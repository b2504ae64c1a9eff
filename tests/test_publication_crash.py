"""Kill-and-restart mid-send: the publication finishes with every follower receiving it exactly once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import config as settings
from models.publication import Status
from services import publications
from services.clock import utcnow
from tests.conftest import APP_ID, TOKEN
from tests.test_publications import approved, follow, push, titles

FOLLOWERS = [f"o_crash_{n:03d}" for n in range(40)]


def child_env(base_config, sim_url: str, *, workers: int) -> dict[str, str]:
    """The child process's environment: the same database and sim as this test, settings as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBLICATION_", "DATABASE_", "REDIS_"))}
    env.update(DATABASE_URL=str(base_config["DATABASE_URL"]), WECHAT_API_BASE=sim_url, WECHAT_APP_ID=APP_ID,
               WECHAT_APP_SECRET="testsecret", WECHAT_TOKEN=TOKEN, PUBLICATION_WORKERS=str(workers),
               PUBLICATION_TEMPLATE_ID="TPL_PUB", TESTING="1")
    if base_config.get("REDIS_URL"):
        env["REDIS_URL"] = str(base_config["REDIS_URL"])
    return env


def _run_child(env: dict[str, str], *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=settings.ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **kwargs)


def push_then_sigterm(sim, env: dict[str, str], openids, *, after: int) -> None:
    """Run `flask scheduler push` against a sim with 20 ms latency and SIGTERM it once `after` messages have arrived
    in the followers' inboxes; it must exit cleanly."""
    sim.configure(latency_ms=20)
    child = _run_child(env, "-m", "flask", "--app", "app", "scheduler", "push")
    try:
        deadline = time.monotonic() + 120
        while sum(len(sim.inbox(o)) for o in openids) < after and time.monotonic() < deadline:
            time.sleep(0.01)   # watching the sim's inboxes to pick the moment to stop it, not to synchronise
        os.kill(child.pid, signal.SIGTERM)
        assert child.wait(timeout=60) == 0, child.stderr.read().decode()[-3000:]
    finally:
        sim.configure(latency_ms=0)
        if child.poll() is None:
            child.kill()


def test_sigkill_between_send_and_mark_neither_doubles_nor_misses(app, sim, base_config):
    """A sender process SIGKILLed right after its 15th send (before marking it) is resumed with no duplicate and
    no follower missed; the interrupted row is reported `unconfirmed`."""
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="中途断电也不重发")
        publications.send_now(pub.id, by="checker", now=utcnow())
    child = _run_child(child_env(base_config, sim.url, workers=1), "-m", "tests.publication_crash_worker", "15")
    assert child.wait(timeout=120) == -signal.SIGKILL, child.stderr.read().decode()[-3000:]
    with app.app_context():
        assert sum(len(sim.inbox(o)) for o in FOLLOWERS) == 15
        assert publications.report(pub.id) == {"sent": 14, "sending": 1, "pending": 25}
        push(app)
        assert publications.report(pub.id) == {"sent": 39, "unconfirmed": 1}
        assert publications.get(pub.id).status == Status.SENT
    assert all(titles(sim, o) == ["中途断电也不重发"] for o in FOLLOWERS)


def test_sigterm_mid_send_stops_cleanly_and_resumes(app, sim, base_config):
    """SIGTERM to `flask scheduler push` mid-send (4 workers, 20 ms API latency): in-flight sends finish and are
    recorded, the restart sends the rest; every follower gets exactly one message."""
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="停机重启照样只发一次")
        publications.send_now(pub.id, by="checker", now=utcnow())
    push_then_sigterm(sim, child_env(base_config, sim.url, workers=4), FOLLOWERS, after=8)
    with app.app_context():
        interrupted = publications.report(pub.id)
        assert interrupted.get("pending", 0) > 0 and "sending" not in interrupted
        push(app)
        assert publications.report(pub.id) == {"sent": len(FOLLOWERS)}
    assert all(titles(sim, o) == ["停机重启照样只发一次"] for o in FOLLOWERS)
