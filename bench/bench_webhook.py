"""Webhook throughput, latency and server CPU per message under gunicorn, plaintext and AES, side by side with two
references: a bare WSGI function (wechatpy verify + decrypt + fixed reply) and WeRoBot 1.13.1 (fixed reply).

The full pipeline runs on real PostgreSQL and Redis (dedup, per-follower lock, conversation state, follower row
update). Load comes from wrk in a separate process replaying pre-signed, distinct pushes: 2,000 followers in
conversation (each writes every few seconds), and a second set in which every push is from a different returning
follower not heard from for over 5 minutes (so each one also writes the follower's row in PostgreSQL).

    .venv/bin/python bench/bench_webhook.py            # all configurations (about 6 minutes)
    .venv/bin/python bench/bench_webhook.py --quick    # the shipped gunicorn layout only
    .venv/bin/python bench/bench_webhook.py --new-followers   # new followers each asking a real question (issue 12)
    .venv/bin/python bench/bench_webhook.py --new-followers --nginx   # the same behind nginx, as deployed

`--new-followers`: the full pipeline on the shipped layout, plaintext; every push is the first message of a follower
never seen before, and it is a real question (the 维权问答 ranking runs, the follower row is created). Paced at 100,
200 and 300 msg/s for 8 s each; reports msg/s, p50/p99 and how many took longer than WeChat's 5 s (wrk's timeout).
With `--nginx`, nginx sits in front as deployed (keepalive upstream, `X-Request-Start`), so a push that queued too long
is answered "稍后回复" (WECHAT_SHED_AFTER, bot/late.py); the table then also counts those answers. The customer-service
messages they promise go to a closed local port in the bench (no WeChat), so their cost is the failed connect only.

Needs: wrk (Debian package), PostgreSQL on 127.0.0.1:5432 (user postgres), Redis on 127.0.0.1:6379 (uses db 12).
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.client import SimUser  # noqa: E402

OUT = ROOT / "bench" / "out"
TOKEN, APP_ID, AES_KEY = "benchtoken315", "wxbench0000000315", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cp_bench_webhook"
REDIS_URL = "redis://127.0.0.1:6379/12"
FOLLOWERS = 2000
PER_FILE = 40000
RETURNING = 12000               # followers with one push each in the req_<mode>_once file
NEW = 9000                      # never-seen followers, one real question each (req_plain_new)
QUESTIONS = ["网购衣服不想要了能退吗", "pdd买的吹风机坏了咋整", "健身卡老板跑路了钱能要回来吗", "外卖吃出头发怎么投诉",
             "超市卖过期牛奶怎么办", "理发店办的卡不给退", "快递丢了商家不管", "买到假货怎么赔偿",
             "手机刚买三天就坏了能换吗", "预付卡商家关门了怎么办", "直播间买的东西货不对板", "装修公司拖延工期"]
PORT = 18315
TICK = os.sysconf("SC_CLK_TCK")

CONFIGS = {                      # the first is the shipped layout (gunicorn.conf.py on 2 cores); --quick runs it only
    "sync -w 5": ["-w", "5", "-k", "sync"],
    "sync -w 3": ["-w", "3", "-k", "sync"],
    "gthread -w 2 --threads 4": ["-w", "2", "-k", "gthread", "--threads", "4"],
}
TARGETS = {
    "full pipeline": "app:create_app()",
    "bare wechatpy WSGI": "bench.bare_wsgi:app",
    "WeRoBot 1.13.1": "bench.werobot_app:app",
}


def build_requests(mode: str, path: Path, *, followers: int = FOLLOWERS, pushes: int = PER_FILE,
                   prefix: str = "o_bench_", questions: list[str] | None = None) -> None:
    """Signed pushes, written fresh each run: the webhook refuses a timestamp over 5 minutes old (bot/pushauth.py)."""
    users = [SimUser(lambda *a: (0, ""), token=TOKEN, app_id=APP_ID, openid=f"{prefix}{i:05d}", aes_key=AES_KEY,
                     mode=mode) for i in range(followers)]
    with path.open("w") as out:
        for n in range(pushes):
            text = questions[n % len(questions)] if questions else "帮助"
            body, params = users[n % followers].build({"MsgType": "text", "Content": text})
            query = "&".join(f"{k}={v}" for k, v in params.items())
            out.write(f"/wechat?{query}\t{body.decode()}\n")


def cpu_ticks(pattern: str) -> int:
    total = 0
    for pid in subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])   # utime + stime
        except (FileNotFoundError, IndexError):
            pass
    return total


def wrk(requests_file: Path, *, seconds: int, conns: int, rate: int = 0, offset: int = 0,
        port: int = PORT) -> dict[str, float]:
    env = {**os.environ, "REQUESTS": str(requests_file), "RATE": str(rate), "CONNS": str(conns),
           "OFFSET": str(offset)}
    res = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "-s",
                          str(ROOT / "bench" / "wrk_replay.lua"), f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, env=env, check=True)
    line = next(ln for ln in res.stdout.splitlines() if ln.startswith("RESULT"))
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}


def serve(target: str, args: list[str], env: dict[str, str], port: int = PORT) -> subprocess.Popen:
    # --max-requests 0: a worker recycled mid-run would take its CPU ticks with it (gunicorn.conf.py recycles)
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), *args, "--max-requests", "0", "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", target], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(OUT / "gunicorn.log", "a"))
    return _answering(proc, port, f"gunicorn for {target}", limit=60)


def _answering(proc: subprocess.Popen, port: int, what: str, *, limit: float) -> subprocess.Popen:
    """`proc` once GET /healthz on `port` answers (polling a server we started); killed if it never does."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return proc
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{what} did not start")


def settle(pattern: str, limit: float = 90.0) -> None:
    """Wait until the idle server stops using CPU (its workers finished warming up), so it is not counted."""
    deadline, last = time.monotonic() + limit, cpu_ticks(pattern)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_ticks(pattern)
        if now - last < TICK * 0.05:
            return
        last = now


def run_one(target: str, args: list[str], mode: str, env: dict[str, str]) -> dict[str, float]:
    import redis
    store = redis.Redis.from_url(REDIS_URL)
    file = OUT / f"req_{mode}.txt"
    proc = serve(target, args, env)
    pattern = f"gunicorn.*{PORT}"
    try:
        settle(pattern)                                         # each worker's background warm-up (jieba, index)
        store.flushdb()                                         # nobody is fresh; earlier runs' replies are gone
        wrk(file, seconds=4, conns=16, offset=30000)            # warm-up: imports, pools, the 2,000 followers
        before = {p: cpu_ticks(p) for p in (pattern, "postgres", "redis-server")}
        peak = wrk(file, seconds=8, conns=32)
        after = {p: cpu_ticks(p) for p in (pattern, "postgres", "redis-server")}
        paced = wrk(file, seconds=8, conns=32, rate=1000, offset=15000)
        returning = wrk(OUT / f"req_{mode}_once.txt", seconds=8, conns=32, rate=1000)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    per_msg = {p: (after[p] - before[p]) / TICK / max(peak["requests"], 1) * 1e3 for p in before}
    return {"rps": peak["requests"] / peak["duration_s"], "peak_p99": peak["p99_ms"],
            "errors": peak["errors_status"] + paced["errors_status"] + returning["errors_status"],
            "paced_rps": paced["requests"] / paced["duration_s"], "p50": paced["p50_ms"], "p99": paced["p99_ms"],
            "ret_rps": returning["requests"] / returning["duration_s"], "ret_p99": returning["p99_ms"],
            "cpu_app_ms": per_msg[pattern], "cpu_stores_ms": per_msg["postgres"] + per_msg["redis-server"]}


NGINX_SITE = """
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    access_log off;
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header X-Request-Start "t=${{msec}}";     # as deploy/nginx/consumer-bot.conf
        proxy_read_timeout 10s;
        location / {{ proxy_pass http://app; }}
    }}
}}
"""


def front(upstream: int) -> subprocess.Popen:
    """nginx on PORT in front of gunicorn on `upstream`, with the shipped site's proxy headers."""
    tmp = OUT / "nginx"
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "nginx.conf").write_text(NGINX_SITE.format(tmp=tmp, port=PORT, upstream=upstream), encoding="utf-8")
    proc = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp), "-g", "daemon off;"])
    return _answering(proc, PORT, "nginx", limit=10)


def run_new_followers(env: dict[str, str], *, nginx: bool = False, conns: int = 64) -> None:
    """New followers, each asking one real question, at three paced rates (shipped layout, plaintext)."""
    import redis
    file = OUT / "req_plain_new.txt"
    build_requests("plain", file, followers=NEW, pushes=NEW, prefix="o_new_", questions=QUESTIONS)
    upstream = PORT + 1 if nginx else PORT           # behind nginx, gunicorn listens on the next port
    if nginx:
        env = {**env, "WECHAT_API_BASE": "http://127.0.0.1:9"}   # discard port: the promised messages fail fast
    proc = serve("app:create_app()", next(iter(CONFIGS.values())), env, port=upstream)
    pattern = f"gunicorn.*{upstream}"
    proxy = front(upstream) if nginx else None
    print("| new followers, one question each: offered msg/s | served msg/s | p50 (ms) | p99 (ms) | over 5 s |"
          " app CPU ms/msg |" + (" answered 稍后回复 |" if nginx else ""))
    print("|---|---|---|---|---|---|" + ("---|" if nginx else ""))
    try:
        settle(pattern)
        redis.Redis.from_url(REDIS_URL).flushdb()
        wrk(OUT / "req_plain.txt", seconds=4, conns=16, offset=30000)           # warm-up on the returning set
        offset = 0
        for rate in (100, 200, 300):
            before = cpu_ticks(pattern)
            r = wrk(file, seconds=8, conns=conns, rate=rate, offset=offset)
            cpu = (cpu_ticks(pattern) - before) / TICK / max(r["requests"], 1) * 1e3
            offset += rate * 8 + 200
            shed = f" {r.get('deferred', 0):.0f} |" if nginx else ""
            print(f"| {rate} | {r['requests'] / r['duration_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                  f"{r.get('errors_timeout', 0):.0f} | {cpu:.2f} |{shed}", flush=True)
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--new-followers", action="store_true")
    parser.add_argument("--nginx", action="store_true", help="with --new-followers: nginx in front, as deployed")
    parser.add_argument("--conns", type=int, default=64, help="with --new-followers: wrk connections (a spike: 800)")
    opts = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c",
                    "DROP DATABASE IF EXISTS cp_bench_webhook", "-c", "CREATE DATABASE cp_bench_webhook"], check=True)
    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_AES_KEY": AES_KEY,
           "DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench", "APP_ENV": "development",
           "WECHAT_ALLOW_PLAINTEXT": "1"}     # plain and AES pushes against one server (the compatibility setting)
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    for mode in ("plain", "safe"):
        build_requests(mode, OUT / f"req_{mode}.txt")
        build_requests(mode, OUT / f"req_{mode}_once.txt", followers=RETURNING, pushes=RETURNING, prefix="o_back_")
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "cp_bench_webhook", "-c",
                    "INSERT INTO followers (openid, subscribed, has_notices, created_at, last_inbound_at) "
                    f"SELECT 'o_back_' || lpad(g::text, 5, '0'), true, false, now(), now() - interval '1 day' "
                    f"FROM generate_series(0, {RETURNING - 1}) g"], check=True)
    if opts.new_followers:    # the knowledge base as shipped, so each question is ranked as in production
        subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app", "seed"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        run_new_followers(env, nginx=opts.nginx, conns=opts.conns)
        return
    configs = dict(list(CONFIGS.items())[:1]) if opts.quick else CONFIGS
    print("| gunicorn | target | mode | max msg/s | p99 at max (ms) | at 1,000/s: msg/s | p50 (ms) | p99 (ms) | "
          "returning followers at 1,000/s: msg/s | p99 (ms) | app CPU ms/msg | PG+Redis CPU ms/msg | non-2xx |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for cname, args in configs.items():
        for tname, target in TARGETS.items():
            for mode in ("plain", "safe"):
                r = run_one(target, args, mode, env)
                print(f"| {cname} | {tname} | {'AES' if mode == 'safe' else 'plain'} | {r['rps']:.0f} | "
                      f"{r['peak_p99']:.1f} | {r['paced_rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                      f"{r['ret_rps']:.0f} | {r['ret_p99']:.1f} | "
                      f"{r['cpu_app_ms']:.2f} | {r['cpu_stores_ms']:.2f} | {r['errors']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
