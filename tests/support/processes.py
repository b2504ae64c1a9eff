"""Child processes for the crash and SIGTERM tests: `flask scheduler push` run as in production, against the
test database and sim."""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import requests

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


def push_then_sigterm(sim, env: dict[str, str], *, after: int) -> None:
    """Run `flask scheduler push` with the sim holding every send past the first `after` in flight; once one is held,
    SIGTERM the child, wait until it logs that it is stopping, then let the held sends finish. It must exit cleanly.

    Deterministic on any machine: nothing is answered between the SIGTERM and the child noticing it, so the rows
    not yet claimed stay pending however slow the machine is."""
    sim.configure(hold_sends_after=after)
    # A held send waits for the release, however slow the machine: within WECHAT_HTTP_TIMEOUT it would count as a
    # send without an answer (unconfirmed, never resent), which is another test's case.
    env = {**env, "WECHAT_HTTP_TIMEOUT": "120"}
    # Unbuffered: select() sees only the pipe, so a buffered reader holding lines already read would wait for ever.
    child = run_child(env, "-m", "flask", "--app", "app", "scheduler", "push", bufsize=0)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while sim.state.sends_held == 0:
            assert child.poll() is None and time.monotonic() < deadline, "the push never reached the held send"
            time.sleep(0.01)   # polling the sim for the held send, a state change we cannot be told of
        os.kill(child.pid, signal.SIGTERM)
        while not any("push stopping" in line for line in seen):
            ready, _, _ = select.select([child.stderr], [], [], max(0.0, deadline - time.monotonic()))
            line = child.stderr.readline().decode() if ready else ""
            assert line, (f"the push {'went quiet' if child.poll() is None else f'exited ({child.returncode})'} without "
                          "logging that it is stopping: " + "".join(seen)[-3000:])
            seen.append(line)
        requests.post(f"{sim.url}/sim/sends/release", timeout=5).raise_for_status()
        assert child.wait(timeout=60) == 0, "".join(seen)[-3000:] + child.stderr.read().decode()[-3000:]
    finally:
        requests.post(f"{sim.url}/sim/sends/release", timeout=5)
        if child.poll() is None:
            child.kill()
        child.wait(timeout=60)
        child.stderr.close()
