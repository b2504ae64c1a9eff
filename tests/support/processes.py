"""Child processes for the crash and SIGTERM tests: `flask scheduler push` run as in production, against the
test database and sim."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import config as settings
from tests.support.wechat import APP_ID, TOKEN


def child_env(base_config, sim_url: str, *, workers: int) -> dict[str, str]:
    """The child process's environment: the same database and sim as this test, settings as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUBLICATION_", "DATABASE_", "REDIS_"))}
    env.update(DATABASE_URL=str(base_config["DATABASE_URL"]), WECHAT_API_BASE=sim_url, WECHAT_APP_ID=APP_ID,
               WECHAT_APP_SECRET="testsecret", WECHAT_TOKEN=TOKEN, PUBLICATION_WORKERS=str(workers),
               PUBLICATION_TEMPLATE_ID="TPL_PUB", TESTING="1")
    if base_config.get("REDIS_URL"):
        env["REDIS_URL"] = str(base_config["REDIS_URL"])
    return env


def run_child(env: dict[str, str], *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=settings.ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **kwargs)


def push_then_sigterm(sim, env: dict[str, str], openids, *, after: int) -> None:
    """Run `flask scheduler push` against a sim with 20 ms latency and SIGTERM it once `after` messages have arrived
    in the followers' inboxes; it must exit cleanly."""
    sim.configure(latency_ms=20)
    child = run_child(env, "-m", "flask", "--app", "app", "scheduler", "push")
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
