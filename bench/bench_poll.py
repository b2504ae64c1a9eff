"""你点我检 ballots per second, end to end through the webhook: signed pushes → gunicorn → router (dedup, follower
lock, flow state in Redis) → ballots.cast (hash chain, unique constraints) on PostgreSQL → tally cache in Redis.

    .venv/bin/python bench/bench_poll.py                              # 2,000 followers, 16 client threads
    .venv/bin/python bench/bench_poll.py --followers 300 --workers "-w 3 -k sync"

Phases (each follower is a distinct openid; every push carries its own MsgId, as WeChat's would):
  0. baseline — one 帮助 per follower: the pipeline's floor on this machine at this moment (no vote)
  1. vote   — follow, tap 参与投票, answer both questions, 确认: five pushes per ballot (timed: ballots/s)
  2. confirm — a second poll; everyone walks to the summary untimed, then only the 确认 pushes are timed, each
               delivered twice at once (WeChat re-sends) — ballots/s for the write path alone
Then it checks: one ballot per follower in each poll, the hash chain verifies, the Redis tally equals a rebuild.
Needs PostgreSQL on 127.0.0.1:5432 (user postgres; database cp_bench is dropped and recreated) and Redis on
127.0.0.1:6379 (db 14, flushed). The load generator runs on the same machine and takes CPU from the server.
"""
from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.client import SimUser, http_transport  # noqa: E402

TOKEN, APP_ID = "benchtoken315", "wxbench0000000315"
DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cp_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
PORT = 18316


def environment() -> dict[str, str]:
    return {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "DATABASE_URL": DB_URL,
            "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench", "APP_ENV": "development",
            "WECHAT_API_BASE": "http://127.0.0.1:9"}   # nothing in these flows calls the WeChat API


def prepare(env: dict[str, str]) -> None:
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", "DROP DATABASE IF EXISTS cp_bench",
                    "-c", "CREATE DATABASE cp_bench"], check=True)
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "db", "upgrade", "heads"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    import redis
    redis.Redis.from_url(REDIS_URL).flushdb()


def make_poll(app, title: str) -> int:
    from extensions import db
    from models.poll import PollStatus
    from services import polls
    from services.clock import utcnow
    now = utcnow()
    with app.app_context():
        poll = polls.create(title=title, questions=[
            polls.QuestionSpec("您最想抽检哪些食品？", [f"食品{i}" for i in range(1, 11)], max_picks=3),
            polls.QuestionSpec("您最想抽检哪些场所？", [f"场所{i}" for i in range(1, 7)], max_picks=2)],
            opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1), allow_suggestion=False,
            by="bench", now=now)
        polls.transition(poll_id=poll.id, to=PollStatus.OPEN, by="bench", now=now)
        db.session.commit()
        return poll.id


def close_poll(app, poll_id: int) -> None:
    from extensions import db
    from models.poll import PollStatus
    from services import polls
    from services.clock import utcnow
    with app.app_context():
        polls.transition(poll_id=poll_id, to=PollStatus.CLOSED, by="bench", now=utcnow())
        db.session.commit()


def serve(workers: str, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), *shlex.split(workers), "-b", f"127.0.0.1:{PORT}",
                             "--log-level", "warning", "app:create_app()"], cwd=ROOT,
                            env={**env, "LOG_LEVEL": "WARNING"}, stdout=subprocess.DEVNULL,
                            stderr=open(ROOT / "bench" / "out" / "gunicorn_poll.log", "a"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=5).status_code == 200:
                return proc
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def resending(transport):
    """Post like WeChat: a dropped connection (a keep-alive the server just closed) is sent again, same MsgId."""
    def post(path, params, body):
        for attempt in range(3):
            try:
                return transport(path, params, body)
            except requests.ConnectionError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
    return post


def users(n: int, prefix: str, sessions: list[requests.Session]) -> list[SimUser]:
    base = f"http://127.0.0.1:{PORT}"
    return [SimUser(resending(http_transport(base, sessions[i % len(sessions)])), token=TOKEN, app_id=APP_ID,
                    openid=f"o_{prefix}_{i:05d}") for i in range(n)]


def walk(user: SimUser, i: int, *, confirm: bool) -> bool:
    """The conversation up to the summary (and the 确认 when asked); True when every answer was as expected."""
    ok = "欢迎" in user.follow().text
    ok &= "1. 食品1" in user.say("投票").text
    ok &= "第2题" in user.say(f"{i % 10 + 1} {(i // 10) % 10 + 1}").text
    ok &= "请确认" in user.say(f"{i % 6 + 1}").text
    if confirm:
        ok &= "投票成功" in user.say("确认").text
    return ok


def check(app, poll_id: int, expected: int) -> str:
    from extensions import redis
    from services import ballots, polls
    from services.clock import utcnow
    with app.app_context():
        cached = polls.tallies(poll_id=poll_id, now=utcnow())
        redis.delete(f"cp:poll:{poll_id}:tally")
        rebuilt = polls.reconcile(poll_id=poll_id, now=utcnow())
        chain = ballots.verify(poll_id=poll_id)
    return (f"ballots={rebuilt.ballots}/{expected} chain_ok={chain.ok} cache_equals_rebuild={cached == rebuilt}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--workers", default="-w 2 -k gthread --threads 8", help="gunicorn worker options")
    opts = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    env = environment()
    prepare(env)
    os.environ.update({k: env[k] for k in ("WECHAT_TOKEN", "WECHAT_APP_ID", "DATABASE_URL", "REDIS_URL",
                                           "SECRET_KEY", "WECHAT_API_BASE")})
    from app import create_app
    app = create_app()
    server = serve(opts.workers, env)
    sessions = [requests.Session() for _ in range(opts.threads)]
    n = opts.followers
    try:
        with ThreadPoolExecutor(max_workers=opts.threads) as pool:
            people = users(n, "base", sessions)
            started = time.perf_counter()
            helped = sum(pool.map(lambda u: "投诉" in u.say("帮助").text, people))
            base_s = time.perf_counter() - started
            print(f"phase 0  baseline: {n} pushes of 帮助 (a one-shot answer, {helped} answered) in {base_s:.1f} s "
                  f"→ {n / base_s:.0f} pushes/s")

            first = make_poll(app, "bench 整个投票流程")
            people = users(n, "vote", sessions)
            started = time.perf_counter()
            good = sum(pool.map(lambda i: walk(people[i], i, confirm=True), range(n)))
            vote_s = time.perf_counter() - started
            close_poll(app, first)
            print(f"phase 1  vote flow: {n} ballots ({good} answered as expected), {5 * n} pushes in {vote_s:.1f} s "
                  f"→ {n / vote_s:.0f} ballots/s, {5 * n / vote_s:.0f} pushes/s; {check(app, first, n)}")

            second = make_poll(app, "bench 只计确认")
            people = users(n, "confirm", sessions)
            ready = sum(pool.map(lambda i: walk(people[i], i, confirm=False), range(n)))
            confirms = [people[i].build({"MsgType": "text", "Content": "确认"}) for i in range(n)]
            deliveries = [(i, *confirms[i]) for i in range(n) for _ in range(2)]
            started = time.perf_counter()
            answers = list(pool.map(lambda d: people[d[0]].post(d[1], d[2]), deliveries))
            confirm_s = time.perf_counter() - started
            thanked = len({d[0] for d, a in zip(deliveries, answers) if "投票成功" in a.text})
            print(f"phase 2  确认 only: {n} ballots ({ready} ready, {thanked} thanked), {2 * n} deliveries in "
                  f"{confirm_s:.1f} s → {n / confirm_s:.0f} ballots/s; {check(app, second, n)}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
