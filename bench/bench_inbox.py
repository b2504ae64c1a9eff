"""人工值守 at size: the inbox list and one thread with 10,000 threads and 200,000 messages (p50/p95 page time over
the Flask test client, signed in as an admin), and the CPU the hand-over check adds to every inbound message.

    .venv/bin/python bench/bench_inbox.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cp_bench_inbox .venv/bin/python bench/bench_inbox.py

Uses a throwaway SQLite file unless DATABASE_URL is set (that database's schema is rebuilt); fakeredis in process.
The hand-over check is what `handlers.handover` adds in front of every feature: its entries' `matches` for a message
that is not handed over (a handed-over follower's state is the conversation state the router already read).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app import create_app  # noqa: E402
from bot.messages import Incoming  # noqa: E402
from extensions import db  # noqa: E402
from models import Staff  # noqa: E402
from models.inbox import Thread, ThreadMessage  # noqa: E402
from services.clock import utcnow  # noqa: E402

KINDS = ["request", "bot", "message", "message", "staff", "message", "unanswered", "bot", "offhours", "staff"]
WORDS = ["网购", "退货", "预付卡", "过期", "牛奶", "外卖", "快递", "维修", "价格", "发票", "商家不给退", "质量问题"]


def seed(threads: int, per_thread: int) -> None:
    now = utcnow()
    rows, messages = [], []
    for i in range(threads):
        waiting = now - timedelta(minutes=random.randint(0, 600)) if i % 3 else None
        rows.append({"id": i + 1, "openid": f"o_bench_{i:06d}", "status": ["waiting", "open", "resolved"][i % 3],
                     "assignee_id": 1 if i % 5 == 0 else None, "version": 1, "handover": i % 2 == 0,
                     "waiting_since": waiting, "preview": random.choice(WORDS), "created_at": now - timedelta(days=1),
                     "updated_at": now - timedelta(seconds=i)})
    db.session.execute(insert(Thread), rows)
    for i in range(threads):
        for j in range(per_thread):
            messages.append({"thread_id": i + 1, "at": now - timedelta(minutes=per_thread - j),
                             "kind": KINDS[j % len(KINDS)], "text": " ".join(random.sample(WORDS, 4))})
        if len(messages) >= 20000:
            db.session.execute(insert(ThreadMessage), messages)
            messages.clear()
    if messages:
        db.session.execute(insert(ThreadMessage), messages)
    db.session.commit()


def timed(client, url: str, n: int, headers: dict | None = None) -> tuple[float, float]:
    spent = []
    for _ in range(n):
        start = time.perf_counter()
        res = client.get(url() if callable(url) else url, headers=headers or {})
        spent.append((time.perf_counter() - start) * 1000)
        assert res.status_code == 200, res.status_code
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95) - 1]


def handover_check_cpu(app, n: int) -> float:
    """CPU µs per message of the hand-over entries' matches, for a mix of texts and menu taps."""
    from handlers import handover
    samples = [Incoming(openid=f"o_{i}", type="text", create_time=i, text=random.choice(WORDS)) for i in range(50)]
    samples += [Incoming(openid=f"o_c{i}", type="event", event="click", create_time=i, key="QA") for i in range(10)]
    with app.app_context():
        for entry in handover.ENTRIES:           # warm the staff-openid set
            getattr(entry, "matches", getattr(entry, "enters_on", None))(samples[0])
        start = time.process_time()
        for i in range(n):
            incoming = samples[i % len(samples)]
            for entry in handover.ENTRIES:
                check = entry.enters_on if hasattr(entry, "enters_on") else entry.matches
                if check(incoming):
                    break
        return (time.process_time() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": database, "REDIS_URL": "", "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bench"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade(revision="head")
        from services.staff import hash_password
        db.session.add(Staff(id=1, username="bench", password_hash=hash_password("bench-password-315"), role="admin",
                             active=True, failed_logins=0, created_at=utcnow()))
        db.session.commit()
        started = time.perf_counter()
        seed(args.threads, args.messages // args.threads)
        print(f"seeded {args.threads} threads / {args.messages} messages in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    client = app.test_client()
    from console.auth import session_fields
    from services import api_tokens
    with app.app_context():
        fields = session_fields(db.session.get(Staff, 1))
        _, token = api_tokens.issue(staff=db.session.get(Staff, 1), now=utcnow(), hours=2)
        db.session.commit()
    with client.session_transaction() as sess:
        sess.update(fields)
        sess.permanent = True
    pages = {
        "list (unresolved, newest first)": "/console/messages/",
        "list page 50": "/console/messages/?page=50",
        "list waiting longest": "/console/messages/?view=longest",
        "list out of SLA": "/console/messages/?view=sla",
        "list search 预付卡": "/console/messages/?q=预付卡&status=all",
        "one thread (20 messages)": lambda: f"/console/messages/{random.randint(1, args.threads)}",
        "api list": "/api/messages/",
        "live.json (poll)": "/console/messages/live.json",
    }
    for name, url in pages.items():
        n = args.requests if "search" not in name else max(args.requests // 5, 10)
        headers = {"Authorization": f"Bearer {token}"} if name.startswith("api") else None
        p50, p95 = timed(client, url, n, headers)
        print(f"| {name} | {n} | {p50:.1f} | {p95:.1f} |")
    print(f"hand-over check: {handover_check_cpu(app, 200_000):.2f} µs CPU per message")


if __name__ == "__main__":
    main()
