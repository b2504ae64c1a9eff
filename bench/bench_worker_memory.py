"""维权问答 memory per web worker, measured the way gunicorn runs them: a master process forks N workers, each builds
the Q&A snapshot and answers questions; the master then reads every worker's /proc/PID/smaps_rollup.

    .venv/bin/python bench/bench_worker_memory.py                 # text tools built in the master (gunicorn.conf.py)
    .venv/bin/python bench/bench_worker_memory.py --no-preload    # each worker builds its own (before 1.2.6)

Figures per worker: RSS (what `ps` shows, shared pages counted in full), PSS (shared pages divided among the
processes sharing them: the honest share of the machine's memory) and USS (private pages only: what the worker
would free if it exited); and the PSS of the master and all its workers together. The master has imported the app
and built one app to set up the scratch database, as gunicorn's master imports the configuration. The
questions are the older held-out set's (tests/data/qa_heldout.yaml), so every worker has tokenised hundreds of
messages and filled its caches as a busy worker would.
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTIONS = ROOT / "tests" / "data" / "qa_heldout.yaml"


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of a process in MiB, from the kernel's rollup of its mappings."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="workers to fork (gunicorn.conf.py: 2 x cores + 1)")
    parser.add_argument("--no-preload", action="store_true", help="do not build the text tools in the master")
    args = parser.parse_args()

    import structlog
    from flask_migrate import upgrade

    from app import create_app
    from extensions import db
    from services import faq, faq_snapshot

    logging.disable(logging.INFO)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    scratch = tempfile.mkdtemp(prefix="bench_worker_memory_")
    database = f"sqlite:///{os.path.join(scratch, 'kb.sqlite3')}"
    setup = create_app({"TESTING": True, "DATABASE_URL": database, "REDIS_URL": ""})
    with setup.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="head")
        faq.import_dir()
        db.session.commit()
        db.engine.dispose()
    questions = [str(item["q"]) for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]
    if not args.no_preload:
        faq_snapshot.text_tools()           # as gunicorn.conf.py's when_ready does in the master
        gc.freeze()

    def worker(done_w: int, go_r: int) -> None:
        app = create_app({"TESTING": True, "DATABASE_URL": database, "REDIS_URL": ""})
        with app.app_context():
            for text in questions:
                faq.classify(text)
        os.write(done_w, b"1")
        os.read(go_r, 1)                    # stay alive until the master has read our memory
        os._exit(0)

    children = []
    for _ in range(args.workers):
        done_r, done_w = os.pipe()
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            worker(done_w, go_r)
        children.append((pid, done_r, go_w))
    for _, done_r, _ in children:
        os.read(done_r, 1)
    workers = [memory(pid) for pid, _, _ in children]
    master = memory(os.getpid())
    for pid, _, go_w in children:
        os.write(go_w, b"1")
        os.waitpid(pid, 0)
    mode = "text tools built in each worker" if args.no_preload else "text tools built in the master before fork"
    print(f"{args.workers} workers, {mode}; {len(questions)} questions answered by each")
    for key, label in (("rss", "RSS"), ("pss", "PSS"), ("uss", "USS")):
        mean = sum(w[key] for w in workers) / len(workers)
        print(f"  {label} per worker: {mean:.0f} MiB (master {master[key]:.0f} MiB)")
    total = master["pss"] + sum(w["pss"] for w in workers)
    print(f"  PSS of the master and its {args.workers} workers together: {total:.0f} MiB")


if __name__ == "__main__":
    main()
