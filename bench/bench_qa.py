"""维权问答 matching: top-1 accuracy of our matcher against a plain BM25 baseline over the same knowledge base, the
confusions, the time per question and the memory a process needs with the index loaded.

    .venv/bin/python bench/bench_qa.py              # the figures for docs/BENCHMARKS.md

The matcher runs exactly as in the web app (services.faq.classify over the entries imported into a scratch SQLite
database). Top-1 is the first entry the consumer is shown: the answer, or choice 1 of a "您是不是想问" offer (one tap
away); an honest "don't know" counts as wrong. The detail line splits answered outright from offered. When a
held-out item names a citation, the entry shown must carry it. Off-topic messages must get no entry at all.
The baseline: one BM25 document per entry (question + paraphrases + keywords), plain jieba tokens, no synonyms, no
bigrams, no thresholds — its top-ranked entry is its answer.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HELDOUT = ROOT / "tests" / "data" / "qa_heldout.yaml"
OFFTOPIC = ROOT / "tests" / "data" / "qa_offtopic.yaml"


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()

    import logging

    import jieba
    from flask_migrate import upgrade

    from app import create_app
    from services import faq
    from services.faq import Kind
    from services.faq_index import Phrasings, plain_bm25

    jieba.setLogLevel(logging.WARNING)
    rss_start = rss_mib()
    scratch = tempfile.mkdtemp(prefix="bench_qa_")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{os.path.join(scratch, 'qa.sqlite3')}",
                      "REDIS_URL": ""})
    logging.disable(logging.INFO)
    import structlog
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    heldout = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    offtopic = yaml.safe_load(OFFTOPIC.read_text(encoding="utf-8"))

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="head")
        counts = faq.import_dir()
        started = time.perf_counter()
        faq.text_tools()
        text_seconds = time.perf_counter() - started
        rss_text = rss_mib()
        started = time.perf_counter()
        faq.loaded()
        build_seconds = time.perf_counter() - started
        rss_loaded = rss_mib()
        entries = faq.faq_store.listing(published=True)
        baseline = plain_bm25([Phrasings(e.slug, e.question, tuple(e.paraphrases), tuple(e.keywords))
                               for e in entries], lambda s: [w for w in jieba.lcut(s) if w.strip()])

        tally = {"answered right": 0, "answered wrong": 0, "offered, right first": 0,
                 "offered, right 2nd/3rd": 0, "offered, not among 3": 0, "nothing shown": 0}
        ours_ok = base_ok = 0
        confusions, times = [], []
        for item in heldout:
            started = time.perf_counter()
            result = faq.classify(item["q"])
            times.append(time.perf_counter() - started)
            shown = [result.entry] if result.kind is Kind.ANSWER else result.choices
            ok = [e.slug in item["expect"] and (not item.get("cite") or any(
                c.startswith(item["cite"]) for c in e.citations)) for e in shown]
            if result.kind is Kind.ANSWER:
                tally["answered right" if ok[0] else "answered wrong"] += 1
            elif result.kind is Kind.SUGGEST:
                tally["offered, right first" if ok[0] else "offered, right 2nd/3rd" if any(ok)
                      else "offered, not among 3"] += 1
            else:
                tally["nothing shown"] += 1
            if ok and ok[0]:
                ours_ok += 1
            else:
                got = shown[0].slug if shown else f"[{result.kind.value}:{result.talk or ''}]"
                confusions.append((item["q"], f"{got} ({result.kind.value})", "/".join(item["expect"])))
            if baseline(item["q"]) in item["expect"]:
                base_ok += 1
        slips = []
        for item in offtopic:
            started = time.perf_counter()
            result = faq.classify(item["q"])
            times.append(time.perf_counter() - started)
            if result.kind in {Kind.ANSWER, Kind.SUGGEST}:
                shown = result.entry or result.choices[0]
                slips.append((item["q"], result.kind.value, shown.slug))
        base_slips = sum(1 for item in offtopic if baseline(item["q"]) is not None)

    n = len(heldout)
    times_ms = sorted(t * 1000 for t in times)
    p99 = times_ms[min(len(times_ms) - 1, int(len(times_ms) * 0.99))]
    print(f"knowledge base: {len(entries)} published entries ({counts})")
    print(f"once per process: jieba + user dictionary + synonyms + pinyin table {text_seconds:.2f} s; "
          f"per knowledge-base change: index build {build_seconds:.2f} s")
    print(f"held-out questions: {n}; off-topic messages: {len(offtopic)}")
    print(f"top-1 correct (first entry shown: the answer, or choice 1 of an offer)   ours: {ours_ok}/{n} = "
          f"{ours_ok / n:.1%}   plain BM25 (its top entry, no thresholds): {base_ok}/{n} = {base_ok / n:.1%}")
    print("ours in detail: " + ", ".join(f"{k} {v}" for k, v in tally.items()))
    print(f"off-topic given an entry   ours: {len(slips)}/{len(offtopic)}   plain BM25: {base_slips}/{len(offtopic)}")
    print(f"time per question: median {statistics.median(times_ms):.2f} ms, p99 {p99:.2f} ms "
          f"({len(times_ms)} questions, one process, SQLite, embedded Redis)")
    print(f"RSS: {rss_start:.0f} MiB with the app imported; {rss_text:.0f} MiB with jieba and the text tables "
          f"(+{rss_text - rss_start:.0f}); {rss_loaded:.0f} MiB with the index loaded (+{rss_loaded - rss_text:.0f}); "
          f"a web worker answering questions needs about +{rss_loaded - rss_start:.0f} MiB")
    print("\nconfusions (question → got / expected):")
    for q, got, want in confusions:
        print(f"  {q} → {got} / {want}")
    if slips:
        print("\noff-topic slips:")
        for q, kind, slug in slips:
            print(f"  {q} → {kind} {slug}")


if __name__ == "__main__":
    main()
