"""Per-follower delivery of one publication to N followers against the sim/ WeChat API with simulated latency.

    .venv/bin/python bench/bench_publications.py --followers 100000 --workers 64 --latency-ms 20

Starts the sim in its own process, builds a fresh SQLite database from the
migrations, registers N followers in both, approves one 消费警示 (one message per follower: template messages), and
times `publications.push_due` — the scheduler's call — until the publication is `sent`. Prints the time, messages/s
and the checks (every follower's delivery row `sent`; the sim counted exactly N template sends).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def start_sim(port: int) -> subprocess.Popen:
    # `flask sim serve` calls app.run() inside the CLI, which Flask ignores; serve the sim app directly.
    code = ("import logging; logging.getLogger('werkzeug').setLevel(logging.ERROR);"
            "from werkzeug.serving import make_server; from sim.server import create_sim_app;"
            f"make_server('127.0.0.1', {port}, create_sim_app(), threaded=True).serve_forever()")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(1200):
        try:
            requests.get(f"http://127.0.0.1:{port}/sim/stats", timeout=1)
            return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("sim did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--port", type=int, default=8399)
    parser.add_argument("--database-url", default="",
                        help="an EMPTY database to use (its tables are dropped first); default: a fresh SQLite file")
    args = parser.parse_args()

    sim_url = f"http://127.0.0.1:{args.port}"
    sim = start_sim(args.port)
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    try:
        from flask_migrate import upgrade
        from sqlalchemy import insert, text

        from app import create_app
        from extensions import db
        from models import Follower
        from services import publications
        from services.clock import utcnow
        from services.delivery import Settings

        url = args.database_url or f"sqlite:///{database}"
        app = create_app({"DATABASE_URL": url, "WECHAT_API_BASE": sim_url, "TESTING": True})
        openids = [f"o_bench_{n:06d}" for n in range(args.followers)]
        requests.post(f"{sim_url}/sim/config", json={"followers": openids}, timeout=60).raise_for_status()
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                db.session.commit()
            upgrade(directory=str(ROOT / "migrations"), revision="head")
            now = utcnow()
            rows = [dict(openid=o, subscribed=True, subscribed_at=now, created_at=now) for o in openids]
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(Follower), rows[start:start + 5000])
            db.session.commit()
            pub = publications.create(author="writer", now=now, kind="消费警示", title="预付卡消费风险提示",
                                      summary="办卡前看清退费条款", strategy="each", audience="all")
            publications.submit(pub.id, by="writer", now=now)
            publications.approve(pub.id, by="checker", now=now, settings=Settings())
            publications.send_now(pub.id, by="checker", now=now)
            requests.post(f"{sim_url}/sim/config", json={"latency_ms": args.latency_ms}, timeout=5)

            sender = app.extensions["outbound"].sender
            settings = Settings(workers=args.workers, template_id="TPL_PUBLICATION")
            began = time.perf_counter()
            sent = publications.push_due(now=utcnow(), sender=sender, settings=settings, clock=utcnow)
            elapsed = time.perf_counter() - began

            report = publications.report(pub.id)
            status = publications.get(pub.id).status
        calls = requests.get(f"{sim_url}/sim/stats", timeout=10).json()["calls"].get("message/template/send", 0)
        print(f"followers={args.followers} workers={args.workers} latency_ms={args.latency_ms} "
              f"database={url.split(':')[0]}")
        print(f"sent={sent} in {elapsed:.1f} s = {sent / elapsed:.0f} messages/s (prepare + send, push_due total)")
        print(f"report={report} publication={status} sim_template_sends={calls}")
        ok = report == {"sent": args.followers} and calls == args.followers and status == "sent"
        print("checks:", "OK (each follower exactly once)" if ok else "FAILED")
        sys.exit(0 if ok else 1)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        os.environ.pop("DATABASE_URL", None)


if __name__ == "__main__":
    main()
