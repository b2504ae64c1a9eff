"""The 活动情况 report at county scale: a campaign month with N complaints/reports (a share accepted and closed with an
amount recovered), M 不合格 sampling results (each opening a 核查处置 case) and K photos; times the figures (the page)
and the .docx, and checks the docx opens with the photos in it.

    .venv/bin/python bench/bench_campaign_report.py --cases 2000 --failures 100 --photos 10
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/cp_bench_campaign .venv/bin/python bench/bench_campaign_report.py

Uses a throwaway SQLite file unless DATABASE_URL is set (that database's tables are emptied); fakeredis in process.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zlib
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import docx  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from models import Staff  # noqa: E402
from models.complaint import Kind, Wish  # noqa: E402
from models.poll import PollStatus, Verdict  # noqa: E402
from services import campaign_report, campaigns, case_actions, complaints, departments, polls, sampling  # noqa: E402
from services.clock import from_china  # noqa: E402

TOWNS = ["城关镇", "新华镇", "城南街道", "某乡"]


def _png(seed: int) -> bytes:
    raw = b"".join(b"\x00" + bytes((seed * 7 + x * 3 + y) % 256 for x in range(600)) for y in range(200))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = (200).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def seed(args) -> int:
    start = from_china(datetime(2026, 3, 1, 9, 0))
    departments.seed_defaults()
    admin = Staff(username="bench_admin", display_name="", role="admin", password_hash="x", active=True,
                  failed_logins=0, created_at=start)
    db.session.add(admin)
    db.session.commit()
    sender = None
    for i in range(args.cases):
        when = start + timedelta(minutes=20 * i)
        intake = complaints.Intake(kind=Kind.REPORT if i % 5 == 0 else Kind.COMPLAINT, business_name=f"商户{i}",
                                   business_address=f"{TOWNS[i % 4]}人民路{i}号", story="买到过期食品",
                                   wish=None if i % 5 == 0 else Wish.REFUND, name="张三", phone="13812345678")
        case = complaints.file(openid=f"o_bench_{i}", intake_token=complaints.new_intake_token(), intake=intake,
                               now=when)
        db.session.commit()
        if i % 5 and i % 3 == 0:
            case_actions.accept_and_notify(case_id=case.id, by=admin, now=when + timedelta(hours=2), sender=sender)
            case_actions.close_and_notify(case_id=case.id, outcome="调解成功", reason="", by=admin,
                                                     now=when + timedelta(days=1), sender=sender, recovered=str(50 + i % 300))
    poll = polls.create(title="你点我检", description="", questions=[polls.QuestionSpec("食品？", ["牛奶", "鸡蛋"], 1, 1)],
                        opens_at=start, closes_at=start + timedelta(days=3), by="bench", now=start)
    for status, day in ((PollStatus.OPEN, 0), (PollStatus.CLOSED, 4), (PollStatus.SAMPLING, 4)):
        polls.transition(poll_id=poll.id, to=status, by="bench", now=start + timedelta(days=day))
    batch = sampling.add_batch(poll_id=poll.id, title="第一批", by="bench", now=start + timedelta(days=5))
    for i in range(args.failures * 4):
        sampling.add_result(batch_id=batch.id, by="clerk", now=start + timedelta(days=5), spec=sampling.ResultSpec(
            sample_name=f"样品{i}", place=f"{TOWNS[i % 4]}市场", sampled_on=date(2026, 3, 2),
            verdict=Verdict.FAIL if i % 4 == 0 else Verdict.PASS, failing_item="菌落总数", hazard_note="请勿食用。"))
    db.session.commit()
    sampling.publish(poll_id=poll.id, by="bench", now=start + timedelta(days=6))
    db.session.commit()
    campaign = campaigns.create(name="2026年3·15", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31),
                                department_ids=[], by="bench", now=start)
    campaigns.write(campaign_id=campaign.id, summary="总结。\n" * 50, news="动态。\n" * 30, by="bench", now=start)
    for i in range(args.photos):
        campaigns.add_photo(campaign_id=campaign.id, data=_png(i), caption=f"照片{i}", by="bench", now=start)
    db.session.commit()
    return campaign.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--failures", type=int, default=100)
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": database, "REDIS_URL": "", "SECRET_KEY": "bench",
                      "WECHAT_API_BASE": "http://127.0.0.1:9"})
    with app.app_context():
        upgrade(revision="head")
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        t0 = time.perf_counter()
        campaign_id = seed(args)
        print(f"seeded in {time.perf_counter() - t0:.1f} s")
        admin = db.session.query(Staff).filter_by(username="bench_admin").one()
        campaign = campaigns.get(campaign_id)
        period, now = campaign_report.period_of(campaign), from_china(datetime(2026, 4, 1, 9, 0))
        figure_ms, docx_ms = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            figures = campaign_report.figures(viewer=admin, period=period, now=now)
            figure_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            body = campaign_report.docx(campaign=campaign, f=figures, department_names=[])
            docx_ms.append((time.perf_counter() - t) * 1000)
        document = docx.Document(BytesIO(body))
        assert len(document.inline_shapes) == args.photos
        assert figures.complaints + figures.reports == args.cases and figures.disposals == args.failures
        print(f"cases={args.cases} disposals={figures.disposals} photos={args.photos} "
              f"recovered={figures.recovered} on_time_rate={figures.on_time_rate}")
        print(f"figures: median {statistics.median(figure_ms):.0f} ms, max {max(figure_ms):.0f} ms")
        print(f"docx:    median {statistics.median(docx_ms):.0f} ms, max {max(docx_ms):.0f} ms, "
              f"{len(body) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
