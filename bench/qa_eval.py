"""The 维权问答 evaluation over a development set, through the real pipeline: each message is signed and posted to
`/wechat` as WeChat does, and the reply text the follower sees is judged (issue 11's metrics). Used by
`bench/bench_qa.py --set FILE`; prints aggregate figures only (add --misses to list the misses of a tuning set).

Set format (see the file's header): a YAML list of items with `q`, `kind` (on_topic / referral / greeting /
offtopic), `topic`, `laws` (any one counts), `category`, `office`, `followup_of` (the id of the item it follows,
sent just before it by the same follower). Judging, from the reply text only:
  answered right   the reply is an answer (a 依据 line, not a menu) citing one of `laws` (law name + article)
  right first      the first entry shown (the answer, or choice 1 of a menu) cites one of `laws`
  menu             the reply is a "您是不是想问" menu
  off-topic law    a greeting / off-topic message whose reply cites a law article
  referred right   a referral reply naming `office` (or one of its hotlines) and citing no law
  wrong category   a wrong answer (not citing `laws`) whose entry's category (knowledge/categories.yaml, the set's own
                   category names) is not the item's
  citable          an on-topic item whose `laws` some published entry cites: the others (no law named, or only an
                   article no entry cites, such as the repealed 暂行办法's) can never be "answered right", so the
                   share over citable items says how the bot does where an answer is possible at all
"""
from __future__ import annotations

import itertools
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import yaml

LAW = re.compile(r"《([^》]+)》((?:第[0-9一二三四五六七八九十百]+条(?:第[0-9一二三四五六七八九十]+款)?、?)+)")
ARTICLE = re.compile(r"第([0-9一二三四五六七八九十百]+)条")
MENU_HEAD = "您是不是想问"
CITE_HEAD = "依据："


def load(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data.get("items") if isinstance(data, dict) else data
    for n, item in enumerate(items):
        item.setdefault("q", item.get("text"))
        item.setdefault("id", item["q"])
    return items


def _pairs(text: str, aliases: dict[str, str]) -> set[tuple[str, str]]:
    """(law name, article number) pairs named in a text; short names expanded."""
    out = set()
    for name, articles in LAW.findall(text):
        name = aliases.get(name, name)
        for number in ARTICLE.findall(articles):
            out.add((_plain(name), number))
    return out


def _plain(name: str) -> str:
    name = re.sub(r"[《》\s]", "", name)
    return name.removeprefix("中华人民共和国").removeprefix("最高人民法院")


def _wanted(laws, aliases) -> set[tuple[str, str]]:
    out = set()
    for law in laws or []:
        law = str(law)
        if "《" not in law:
            m = re.match(r"(.+?)(第.+)$", law)
            law = f"《{m.group(1)}》{m.group(2)}" if m else f"《{law}》"
        out |= _pairs(law, aliases)
    return out


_followers = itertools.count()   # one follower per message across every set of a run: a set evaluated after another
                                 # must not inherit its follow-up context or open menu (same openid, same Redis)


def run(items: list[dict], say, *, entry_by_question: dict, aliases: dict[str, str], misses: bool = False) -> dict:
    """`say(openid, text) -> reply text`. Returns the figures (and prints misses when asked)."""
    by_id = {item["id"]: item for item in items}
    order = []
    for item in items:                      # a follow-up goes right after its parent, from the same follower
        if item.get("followup_of") is None:
            order.append(item)
    for item in items:
        if item.get("followup_of") is not None:
            parent = by_id.get(item["followup_of"])
            if parent is not None:
                order.insert(order.index(parent) + 1 + sum(1 for o in order if o.get("followup_of") == parent["id"]),
                             item)
    tally: Counter = Counter()
    times, lines = [], []
    citable = set().union(*(_pairs(" ".join(e.citations), aliases) for e in entry_by_question.values()))
    openid_of: dict = {}
    for n, item in enumerate(order):
        parent = item.get("followup_of")
        openid = openid_of.get(parent) or f"o_eval_{next(_followers)}"
        openid_of[item["id"]] = openid
        started = time.perf_counter()
        reply = say(openid, str(item["q"]))
        times.append((time.perf_counter() - started) * 1000)
        kind = item.get("kind", "on_topic")
        is_menu = reply.startswith(MENU_HEAD)
        cited = _pairs(reply.split(CITE_HEAD, 1)[1], aliases) if CITE_HEAD in reply else set()
        tally["replies"] += 1
        tally["menus"] += is_menu
        shown = _first_shown(reply, entry_by_question)
        if kind == "on_topic":
            group = "followup" if parent is not None else "on_topic"
            tally[group] += 1
            wanted = _wanted(item.get("laws"), aliases)
            right = bool(cited & wanted) and not is_menu
            tally[f"{group} answered right"] += right
            if group == "on_topic" and wanted & citable:
                tally["on_topic citable"] += 1
                tally["on_topic citable answered right"] += right
            first_ok = shown is not None and bool(_pairs(" ".join(shown.citations), aliases) & wanted)
            tally[f"{group} right first"] += first_ok or right
            answered = CITE_HEAD in reply and not is_menu or reply.startswith("【") or "\n【" in reply[:60]
            tally[f"{group} answered"] += answered
            if answered and not right and shown is not None and item.get("category"):
                if shown.category != str(item["category"]):
                    tally["wrong category"] += 1
                    if misses:
                        lines.append(f"  CATEGORY {item['q'][:40]} → {shown.slug} ({shown.category} vs {item['category']})")
            if misses and not right:
                what = "menu" if is_menu else (shown.slug if shown else reply[:24].replace("\n", " "))
                lines.append(f"  MISS[{item.get('topic')}] {item['q'][:60]} → {what} / want {item.get('laws')}")
        elif kind == "referral":
            tally["referral"] += 1
            office = str(item.get("office") or "")
            ok = bool(office) and _office_named(office, reply) and not cited and CITE_HEAD not in reply
            tally["referral right"] += ok
            if misses and not ok:
                lines.append(f"  REFER {item['q'][:60]} → {reply[:30]!r} / want {office}")
        else:
            tally["offtopic"] += 1
            law = CITE_HEAD in reply or bool(_pairs(reply, aliases))
            tally["offtopic with law"] += law
            tally["offtopic menu"] += is_menu
            if misses and (law or is_menu):
                lines.append(f"  OFFTOPIC {item['q'][:60]} → {reply[:30]!r}")
    times.sort()
    tally["median ms"] = round(statistics.median(times), 2) if times else 0
    tally["p99 ms"] = round(times[min(len(times) - 1, int(len(times) * 0.99))], 2) if times else 0
    if misses:
        print("\n".join(lines))
    return dict(tally)


def _office_named(office: str, reply: str) -> bool:
    """The office (any of its '/'-separated names or hotline numbers) appears in the reply."""
    return any(part.strip() and part.strip() in reply for part in re.split(r"[/|,，、或]", office))


def _first_shown(reply: str, entry_by_question: dict):
    m = re.search(r"【(.+?)】", reply)
    if m and not reply.startswith(MENU_HEAD):
        return entry_by_question.get(m.group(1))
    m = re.search(r"^1\. (.+?)(?:（.*）)?$", reply, flags=re.M)
    if m:
        return entry_by_question.get(m.group(1)) or entry_by_question.get(m.group(1) + "？")
    return None


def report(name: str, t: dict) -> str:
    def share(a, b):
        return f"{t.get(a, 0)}/{t.get(b, 0)} = {t.get(a, 0) / t[b]:.1%}" if t.get(b) else "n/a"
    return "\n".join([
        f"{name}",
        f"  on-topic answered on the first reply with the right law+article: {share('on_topic answered right', 'on_topic')}",
        f"  ... of those whose law some entry cites:                        "
        f"{share('on_topic citable answered right', 'on_topic citable')}",
        f"  on-topic right entry first (answer or menu choice 1):           {share('on_topic right first', 'on_topic')}",
        f"  on-topic answered outright (any entry):                         {share('on_topic answered', 'on_topic')}",
        f"  replies that are menus:                                         {share('menus', 'replies')}",
        f"  off-topic/greeting replies citing law:                          {share('offtopic with law', 'offtopic')}"
        f" (menus {t.get('offtopic menu', 0)})",
        f"  other-department messages referred to the right office:         {share('referral right', 'referral')}",
        f"  confident answers in the wrong category:                        {t.get('wrong category', 0)}",
        f"  follow-ups answered right:                                      {share('followup answered right', 'followup')}",
        f"  time per message through the webhook: median {t.get('median ms')} ms, p99 {t.get('p99 ms')} ms",
    ])
