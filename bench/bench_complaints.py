"""投诉 intakes end to end through the webhook, in process (Flask test client, no HTTP server): each follower walks
the whole intake — privacy notice, eight answers, a photo fetched from the sim media API, summary — then 确认 is
delivered twice (WeChat re-sends). Reports intakes/s and the latency of the 确认 push (the write path: counter row,
case, history, photos relinked, commit) and checks one case per follower with distinct numbers.

    .venv/bin/python bench/bench_complaints.py --followers 200
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cp_bench_complaints .venv/bin/python bench/bench_complaints.py

Uses a throwaway SQLite file unless DATABASE_URL is set (that database's tables are emptied); fakeredis in process.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from sim import serve_in_thread  # noqa: E402
from sim.client import SimUser  # noqa: E402

TOKEN, APP_ID = "benchtoken315", "wxbench0000000315"
ANSWERS = ["同意", "好又多超市", "城关镇人民路88号", "11月20日买的牛奶已过期", "完成", "58.5", "5"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=200)
    args = parser.parse_args()
    _, sim_url = serve_in_thread(0)
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": database, "REDIS_URL": "", "WECHAT_TOKEN": TOKEN,
                      "WECHAT_APP_ID": APP_ID, "WECHAT_API_BASE": sim_url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(revision="head")
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    client = app.test_client()

    def transport(path, params, body):
        res = client.post(path, query_string=params, data=body, content_type="text/xml")
        return res.status_code, res.get_data(as_text=True)

    confirm_ms: list[float] = []
    started = time.perf_counter()
    for i in range(args.followers):
        user = SimUser(transport, token=TOKEN, app_id=APP_ID, openid=f"o_bench_{i}", api_base=sim_url)
        user.click("COMPLAINT")
        for text in ANSWERS:
            user.say(text)
        user.image(b"\xff\xd8\xff\xe0 bench photo")
        for text in ["完成", "张三", "13812345678"]:
            user.say(text)
        body, params = user.build({"MsgType": "text", "Content": "确认"})
        t0 = time.perf_counter()
        first = user.post(body, params)
        confirm_ms.append((time.perf_counter() - t0) * 1000)
        again = user.post(body, params)                      # the re-send is answered from the stored reply
        assert "编号" in first.text and again.text == first.text, (first.text, again.text)
    elapsed = time.perf_counter() - started
    with app.app_context():
        from models import Case
        cases = db.session.query(Case).all()
        assert len(cases) == args.followers and len({c.number for c in cases}) == args.followers
        backend = db.engine.url.get_backend_name()
    q = statistics.quantiles(confirm_ms, n=100)
    print(f"database={backend} followers={args.followers} pushes/intake=12 (+1 re-send)")
    print(f"intakes/s={args.followers / elapsed:.1f}  确认 p50={q[49]:.1f} ms p95={q[94]:.1f} ms "
          f"max={max(confirm_ms):.1f} ms  cases={len(cases)} (one per follower, numbers distinct)")


if __name__ == "__main__":
    main()
