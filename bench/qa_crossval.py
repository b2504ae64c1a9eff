"""维权问答 leave-one-set-out over the blind training sets (knowledge/messages): each set is judged by the bot built
with every other set's examples, so thousands of consumers' messages measure a change, not the 204 of the tune half.

    .venv/bin/python bench/qa_crossval.py                         # the figures at the shipped constants
    .venv/bin/python bench/qa_crossval.py --set CLEAR_COSINE=0.10 --set CLEAR_MARGIN=0.025 [--topics]
    .venv/bin/python bench/qa_crossval.py --confusions 40        # what goes wrong, and every referral missed or stolen

Judged like bench/qa_eval.py, on services.faq.classify (no webhook): an on-topic message whose labelled laws some
published entry cites counts as right when the answer cites one of them; right first when the answer or choice 1 of
the menu does; wrong when an answer cites none. Referral messages count as right when the referral names their
office. The small-talk set (blind_off.yaml) has no laws and is judged by the tests instead. The held-out sets in
tests/data are never read. About three minutes on this machine (20 snapshot builds).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MESSAGES = ROOT / "knowledge" / "messages"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a services.faq_rank constant for this run")
    parser.add_argument("--topics", action="store_true", help="also print the figures per topic, worst first")
    parser.add_argument("--confusions", type=int, default=0, metavar="N",
                        help="also print the N commonest wrong answers (entry ← laws wanted), answers in another "
                             "category and missed referrals, then every referral message missed and every on-topic "
                             "message referred away")
    parser.add_argument("--dump", metavar="FILE", help="also write one JSON line per judged message (its set, the "
                                                        "reply, the first hits and how it was judged) for study")
    args = parser.parse_args()
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        try:
            overrides[name] = float(value)
        except ValueError:
            parser.error(f"--set {item}: expected NAME=NUMBER")

    import structlog
    from flask_migrate import upgrade

    from app import create_app
    from bench import qa_eval, qa_examples
    from extensions import db
    from handlers.rights_qa import SHORT_NAMES
    from services import faq, faq_rank, faq_route, faq_snapshot, faq_store

    for name in overrides:
        if not hasattr(faq_rank, name):
            parser.error(f"--set {name}: services.faq_rank has no such constant")
    sets = sorted(MESSAGES.glob("*.yaml"))
    labelled = {path: qa_examples.label([path])[0] for path in sets}     # each set's messages tied to entries
    logging.disable(logging.INFO)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    scratch = Path(tempfile.mkdtemp(prefix="qa_crossval_"))
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{scratch / 'kb.sqlite3'}", "REDIS_URL": ""})
    aliases = {short: full for full, short in SHORT_NAMES.items()}
    total: Counter = Counter()
    by_topic: dict[str, Counter] = defaultdict(Counter)
    confusions: Counter = Counter()
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="head")
        faq.import_dir()
        db.session.commit()
        for name, value in overrides.items():
            setattr(faq_rank, name, value)
        for held in sets:
            items = qa_eval.load(held)
            if not any(item.get("laws") is not None or item.get("office") for item in items):
                continue                                   # the small-talk set: no laws to judge by
            examples = scratch / "examples.yaml"
            examples.write_text(yaml.safe_dump({"examples": [e for p in sets if p != held for e in labelled[p]]},
                                               allow_unicode=True), encoding="utf-8")
            faq_route.EXAMPLES = examples
            faq_snapshot._routing = None
            faq_store.bump_version()
            state = faq.loaded()
            cites = {e.slug: qa_eval._pairs(" ".join(e.citations), aliases) for e in state.entries.values()}
            citable = set().union(*cites.values())
            for item in items:
                result = faq.classify(str(item["q"]))
                verdict = _judge(item, result, cites, citable, aliases, total, by_topic, confusions)
                if dump is not None and verdict is not None:
                    wanted = qa_eval._wanted(item.get("laws"), aliases)
                    dump.write(json.dumps(_record(held, item, result, state, verdict, cites, wanted),
                                          ensure_ascii=False) + "\n")
    if dump is not None:
        dump.close()
    print(_line("on-topic, laws some entry cites", total))
    print(f"referral messages referred to their office: {total['referred']}/{total['referrals']}")
    if args.topics:
        for topic, counts in sorted(by_topic.items(), key=lambda kv: kv[1]["right"] / max(kv[1]["n"], 1)):
            print(_line(topic, counts))
    for (kind, got, wanted), count in confusions.most_common(args.confusions):
        if kind not in {"missed", "away"}:
            print(f"{count:4d}  {kind:8s} {got} ← {wanted}")
    if args.confusions:
        for (kind, office, text), _ in sorted(confusions.items()):
            if kind == "missed":
                print(f"  missed referral {office}: {text}")
            elif kind == "away":
                print(f"  on-topic referred to {office}: {text}")


def _judge(item, result, cites, citable, aliases, total: Counter, by_topic, confusions: Counter) -> None:
    from bench import qa_eval
    from services.faq import Kind
    if item.get("kind") == "referral":
        office = str(item.get("office") or "")
        referred = result.kind is Kind.REFER and qa_eval._office_named(office, result.referral.reply)
        total["referrals"] += 1
        total["referred"] += referred
        if not referred:
            done = (result.referral.id if result.kind is Kind.REFER else
                    result.entry.slug if result.kind is Kind.ANSWER else result.kind.name.lower())
            confusions["referral", done, office] += 1
            confusions["missed", office, str(item["q"])[:60]] += 1
        return "referred" if referred else "missed"
    if item.get("kind") != "on_topic" or item.get("followup_of"):
        return None
    wanted = qa_eval._wanted(item.get("laws"), aliases)
    if not wanted & citable:
        return None
    answer = result.entry if result.kind is Kind.ANSWER else None
    first = answer or (result.choices[0] if result.choices else None)
    for counts in (total, by_topic[str(item.get("topic"))]):
        counts["n"] += 1
        counts["right"] += bool(answer and cites[answer.slug] & wanted)
        counts["first"] += bool(first and cites[first.slug] & wanted)
        counts["wrong"] += bool(answer and not cites[answer.slug] & wanted)
        counts["menus"] += result.kind is Kind.SUGGEST
        counts["away"] += result.kind is Kind.REFER
    if result.kind is Kind.REFER:
        confusions["away", result.referral.id, str(item["q"])[:60]] += 1
    if answer and not cites[answer.slug] & wanted:
        confusions["answer", answer.slug, " ".join(sorted(f"{law}{art}" for law, art in wanted))] += 1
        if item.get("category") and answer.category != str(item["category"]):    # as qa_eval's "wrong category"
            for counts in (total, by_topic[str(item.get("topic"))]):
                counts["category"] += 1
            confusions["category", f"{answer.slug} ({answer.category})", str(item["category"])] += 1
    if answer:
        return "right" if cites[answer.slug] & wanted else "wrong"
    return "first" if first and cites[first.slug] & wanted else "not first"


def _record(held: Path, item, result, state, verdict: str, cites, wanted) -> dict:
    """One judged message for --dump: enough to replay a stricter confidence rule without the bot."""
    hits = [{"slug": h.slug, "category": state.entries[h.slug].category, "fused": h.fused, "learned": h.learned,
             "evidence": round(h.evidence, 3), "coverage": round(h.coverage, 3),
             "right": bool(cites[h.slug] & wanted)}
            for h in (result.hits or [])[:5] if h.slug in state.entries]
    return {"set": held.name, "q": str(item["q"]), "category": item.get("category"), "kind": result.kind.name,
            "via": result.via, "entry": result.entry.slug if result.entry is not None else None,
            "verdict": verdict, "hits": hits, "cues": sorted(state.routing.families(str(item["q"])) or ()),
            "family": {h["slug"]: state.entries[h["slug"]].family for h in hits}}


def _line(label: str, c: Counter) -> str:
    n = max(c["n"], 1)
    return (f"{label}: {c['n']} messages; right law first {c['right']} ({c['right'] / n:.1%}); right first "
            f"{c['first']} ({c['first'] / n:.1%}); wrong answers {c['wrong']} (another category {c['category']}); "
            f"menus {c['menus']}; "
            f"referred away {c['away']}")


if __name__ == "__main__":
    main()
