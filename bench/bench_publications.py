"""Per-follower delivery of one publication to N followers against the sim/ WeChat API with simulated latency.

    .venv/bin/python bench/bench_publications.py --followers 100000 --processes 3 --workers 48 --latency-ms 20

Starts the sim in its own process (gunicorn with keep-alive, one worker), builds a fresh database from the
migrations, registers N followers in both, approves one 消费警示 (one message per follower: template messages), and
times `publications.push_due` — the scheduler's call, with PUBLICATION_PROCESSES delivery processes — until the
publication is `sent`. Prints the time, messages/s, CPU by process and the checks (every follower's delivery row
`sent`; the sim counted exactly N template sends and every follower's inbox holds exactly one).
"""
from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def start_sim(port: int, threads: int) -> subprocess.Popen:
    """The sim with keep-alive (gunicorn, one gthread worker) on a socket that listens before it starts."""
    listener = socket.create_server(("127.0.0.1", port))
    fd = listener.fileno()
    code = f"from sim import serve_keepalive; serve_keepalive('fd://{fd}', threads={threads})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, pass_fds=[fd])
    listener.close()
    return proc


def worker_pid(sim: subprocess.Popen) -> int:
    """The gunicorn worker that serves the sim (the arbiter only supervises it)."""
    return int(Path(f"/proc/{sim.pid}/task/{sim.pid}/children").read_text().split()[0])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU time of this process and of its children that have exited (the delivery helpers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies over all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=64, help="send threads per delivery process")
    parser.add_argument("--processes", type=int, default=1, help="delivery processes (PUBLICATION_PROCESSES)")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--port", type=int, default=8399)
    parser.add_argument("--sim-threads", type=int, default=128)
    parser.add_argument("--database-url", default="",
                        help="an EMPTY database to use (its tables are dropped first); default: a fresh SQLite file")
    parser.add_argument("--redis-url", default="", help="a Redis database to use (it is flushed); default: embedded")
    args = parser.parse_args()

    sim_url = f"http://127.0.0.1:{args.port}"
    sim = start_sim(args.port, args.sim_threads)
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    try:
        from flask_migrate import upgrade
        from sqlalchemy import insert, text

        from app import create_app
        from extensions import db, redis
        from models import Follower
        from scheduler.delivery_helpers import Launcher
        from services import publications
        from services.clock import utcnow
        from services.delivery import Settings

        url = args.database_url or f"sqlite:///{database}"
        app = create_app({"DATABASE_URL": url, "REDIS_URL": args.redis_url, "WECHAT_API_BASE": sim_url,
                          "TESTING": True})
        openids = [f"o_bench_{n:06d}" for n in range(args.followers)]
        requests.post(f"{sim_url}/sim/config", json={"followers": openids}, timeout=60).raise_for_status()
        sim_worker = worker_pid(sim)
        with app.app_context():
            redis.flushdb()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            upgrade(directory=str(ROOT / "migrations"), revision="head")
            now = utcnow()
            rows = [dict(openid=o, subscribed=True, subscribed_at=now, created_at=now) for o in openids]
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(Follower), rows[start:start + 5000])
            db.session.commit()
            pub = publications.create(author="writer", now=now, kind="warning", title="预付卡消费风险提示",
                                      summary="办卡前看清退费条款", strategy="each", audience="all")
            publications.submit(pub.id, by="writer", now=now)
            publications.approve(pub.id, by="checker", now=now, settings=Settings())
            publications.send_now(pub.id, by="checker", now=now)
            db.session.commit()
            requests.post(f"{sim_url}/sim/config", json={"latency_ms": args.latency_ms}, timeout=5)

            sender = app.extensions["outbound"].sender
            settings = replace(Settings.of(app.config), workers=args.workers, processes=args.processes,
                               template_id="TPL_PUBLICATION")
            cpu_before = own_cpu_seconds(), cpu_seconds(sim_worker), machine_busy()
            began = time.perf_counter()
            sent = publications.push_due(now=utcnow(), sender=sender, settings=settings, clock=utcnow,
                                         launch=Launcher.of(app))
            elapsed = time.perf_counter() - began
            cpu_after = own_cpu_seconds(), cpu_seconds(sim_worker), machine_busy()

            report = publications.report(pub.id)
            status = publications.get(pub.id).status
        stats = requests.get(f"{sim_url}/sim/stats", timeout=10).json()
        calls = stats["calls"].get("message/template/send", 0)
        once = requests.get(f"{sim_url}/sim/inbox-counts", timeout=60).json()
        busy = (cpu_after[2][0] - cpu_before[2][0]) / (cpu_after[2][1] - cpu_before[2][1])
        redis_kind = "real" if args.redis_url else "embedded"
        print(f"followers={args.followers} processes={args.processes} workers={args.workers} "
              f"latency_ms={args.latency_ms} database={url.split(':')[0]} redis={redis_kind}")
        print(f"sent={sent} in {elapsed:.1f} s = {sent / elapsed:.0f} messages/s (prepare + send, push_due total)")
        print(f"cpu: delivery processes {cpu_after[0] - cpu_before[0]:.1f} s, "
              f"sim {cpu_after[1] - cpu_before[1]:.1f} s; machine {busy:.0%} busy over {os.cpu_count()} cores")
        print(f"report={report} publication={status} sim_template_sends={calls} inboxes={once}")
        ok = (report == {"sent": args.followers} and calls == args.followers and status == "sent"
              and once == {"1": args.followers})
        print("checks:", "OK (each follower exactly once)" if ok else "FAILED")
        sys.exit(0 if ok else 1)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        os.environ.pop("DATABASE_URL", None)


if __name__ == "__main__":
    main()
