"""维权问答 matching: top-1 accuracy of our matcher against a plain BM25 baseline over the same knowledge base, the
confusions, the time per question and the memory a process needs with the index loaded.

    .venv/bin/python bench/bench_qa.py              # the figures for docs/BENCHMARKS.md
    .venv/bin/python bench/bench_qa.py --set tests/data/qa_dev_tune.yaml [--misses]
                                                    # issue 11's metrics through the webhook (bench/qa_eval.py)
    .venv/bin/python bench/bench_qa.py --old        # the older sets through the webhook, entry ids as truth
    tests/data/qa_fresh.yaml, tests/data/qa_dev2.yaml, tests/data/qa_dev3_test.yaml, tests/data/qa_dev5_test.yaml,
    tests/data/qa_dev6_test.yaml, tests/data/qa_dev7_test.yaml, tests/data/qa_dev8_test.yaml,
    tests/data/qa_dev9_test.yaml, tests/data/qa_dev10_test.yaml, tests/data/qa_dev11_test.yaml,
    tests/data/qa_dev12_test.yaml, tests/data/qa_dev13_test.yaml, tests/data/qa_dev14_test.yaml
                                                    # blind held-out sets for final figures only: never tune on them
                                                    # (qa_dev3_tune.yaml, qa_dev4_tune.yaml, qa_dev5_tune.yaml,
                                                    # qa_dev6_tune.yaml, qa_dev7_tune.yaml, qa_dev8_tune.yaml,
                                                    # qa_dev9_tune.yaml, qa_dev10_tune.yaml, qa_dev11_tune.yaml,
                                                    # qa_dev12_tune.yaml, qa_dev13_tune.yaml and
                                                    # qa_dev14_tune.yaml are tuning sets)

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", default=[], help="a development set to judge through the webhook")
    parser.add_argument("--misses", action="store_true", help="list the misses (tuning sets only)")
    parser.add_argument("--old", action="store_true", help="the older sets through the webhook")
    args = parser.parse_args()
    if args.set or args.old:
        return evaluate(args)

    import logging

    import jieba
    from flask_migrate import upgrade

    from app import create_app
    from extensions import db
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
        db.session.commit()
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


def evaluate(args) -> None:
    """Issue 11's figures through the real pipeline: signed XML to /wechat, the reply text judged. Each set runs twice:
    one follower per message (follow-ups from their parent's follower), then one follower asking every message in a
    row, as a consumer with several questions does (a new question must not be read as a follow-up of the last; a
    hand-over to staff or a form it opens is left at once, as its reply says how)."""
    import logging

    import jieba
    from flask_migrate import upgrade

    from app import create_app
    from extensions import db
    from bench import qa_eval
    from handlers.rights_qa import SHORT_NAMES
    from services import faq
    from sim.client import SimUser

    jieba.setLogLevel(logging.WARNING)
    scratch = tempfile.mkdtemp(prefix="bench_qa_")
    token, app_id = "benchtoken", "wxbench0000000000"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{os.path.join(scratch, 'qa.sqlite3')}",
                      "REDIS_URL": "", "WECHAT_TOKEN": token, "WECHAT_APP_ID": app_id,
                      "WECHAT_API_BASE": "http://127.0.0.1:9"})
    logging.disable(logging.INFO)
    import structlog
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    client = app.test_client()

    def post(path, params, body):
        res = client.post(path, query_string=params, data=body, content_type="text/xml")
        return res.status_code, res.get_data(as_text=True)

    def say(openid: str, text: str) -> str:
        return SimUser(post, token=token, app_id=app_id, openid=openid).say(text).text

    def in_a_row(openid: str, text: str) -> str:
        """One follower's next message; a hand-over to staff (人工) or an opened form is left at once, as the reply
        says how, so the next question reaches the bot again."""
        reply = say(openid, text)
        if "结束人工" in reply:
            say(openid, "结束人工")
        elif "回复“取消”" in reply or "发“取消”" in reply:
            say(openid, "取消")
        return reply

    aliases = {short: full for full, short in SHORT_NAMES.items()}
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="head")
        faq.import_dir()
        db.session.commit()
        rss_before = rss_mib()
        snapshot = faq.loaded()
        by_question = {e.question: e for e in snapshot.entries.values()}
        say("o_warm", "你好")
        for path in args.set:
            items = qa_eval.load(Path(path))
            figures = qa_eval.run(items, say, entry_by_question=by_question, aliases=aliases,
                                  misses=args.misses and "tune" in path)
            print(qa_eval.report(f"{path} ({len(items)} messages)", figures))
            chained = qa_eval.run(items, lambda _openid, text, path=path: in_a_row(f"o_chain_{path}", text),
                                  entry_by_question=by_question, aliases=aliases)
            print(f"  one follower asking them all in a row: right law first {chained['on_topic answered right']}/"
                  f"{chained['on_topic']}, referred right {chained['referral right']}/{chained['referral']}, "
                  f"follow-ups {chained['followup answered right']}/{chained['followup']}, "
                  f"off-topic citing law {chained.get('offtopic with law', 0)}/{chained['offtopic']}")
            times, in_row, previous = [], [], None
            for item in items:
                started = time.perf_counter()
                faq.classify(str(item["q"]))
                times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()        # the same message a minute after the last one's answer
                result = faq.classify(str(item["q"]), previous=previous)
                in_row.append((time.perf_counter() - started) * 1000)
                previous = result.entry.slug if result.entry is not None else previous
            for label, taken in (("", times), (" in a row", in_row)):
                taken.sort()
                print(f"  time per message in services.faq.classify{label}: median {statistics.median(taken):.2f} ms, "
                      f"p99 {taken[min(len(taken) - 1, int(len(taken) * 0.99))]:.2f} ms")
        if args.old:
            old_sets(say, snapshot)
        print(f"RSS {rss_mib():.0f} MiB after the run ({rss_before:.0f} MiB before the snapshot was built)")


def old_sets(say, snapshot) -> None:
    """The older sets (entry ids as truth) through the webhook: answered with an expected entry, right first, menus."""
    blind = yaml.safe_load((ROOT / "tests" / "data" / "qa_blind.yaml").read_text(encoding="utf-8"))
    sets = {"qa_heldout.yaml": (yaml.safe_load(HELDOUT.read_text(encoding="utf-8")),
                                yaml.safe_load(OFFTOPIC.read_text(encoding="utf-8"))),
            "qa_blind.yaml": (blind["questions"], blind["offtopic"])}
    by_question = {e.question: e for e in snapshot.entries.values()}
    from bench.qa_eval import _first_shown
    for name, (questions, offtopic) in sets.items():
        answered = first = menus = 0
        for n, item in enumerate(questions):
            reply = say(f"o_old_{name}_{n}", item["q"])
            shown = _first_shown(reply, by_question)
            ok = shown is not None and shown.slug in item["expect"]
            menu = reply.startswith("您是不是想问")
            menus += menu
            first += ok
            answered += ok and not menu
        law = sum(1 for n, item in enumerate(offtopic) if "依据" in say(f"o_oldoff_{name}_{n}", item["q"]))
        k = len(questions)
        print(f"{name}: answered outright with an expected entry {answered}/{k} = {answered / k:.1%}; "
              f"expected entry first {first}/{k} = {first / k:.1%}; menus {menus}/{k}; "
              f"off-topic with law {law}/{len(offtopic)}")


if __name__ == "__main__":
    main()
