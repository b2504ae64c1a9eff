"""维权问答 learns from consumers' own words (knowledge/examples.yaml, issue 11): a message labelled with the entry
that answers it becomes one more phrasing of that entry, so a story told the way people write reaches the entry,
and a held-out set can never be turned into such examples."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services import faq, faq_route, faq_snapshot, faq_store

ROOT = Path(__file__).resolve().parent.parent
GROUP_BUY = "美团上团购的火锅券还没用 店关门了 平台说券是商家发的不管退"
GROUP_BUY_EXAMPLES = [     # how people tell it, none of them the message above
    "团购的美甲套餐 店倒闭了 找平台退 平台说让我找商家",
    "在平台上买的洗车券 洗车店不干了 平台客服推给商家 商家电话打不通",
    "网上团的自助餐券 去了发现店没了 平台不给退钱",
    "抖音上团购的烤肉券 店跑路了 平台说他们只是提供信息",
]


@pytest.fixture
def examples_file(monkeypatch, request, tmp_path):
    """Point the ranking at an examples table of the test's own; the next question rebuilds the index with it,
    and the first question after the test with the shipped table again."""
    path = tmp_path / "examples.yaml"
    monkeypatch.setattr(faq_route, "EXAMPLES", path)
    monkeypatch.setattr(faq_snapshot, "_routing", None)
    request.addfinalizer(faq_store.bump_version)       # runs before monkeypatch restores the shipped table

    def write(examples: list[dict]) -> None:
        path.write_text(yaml.safe_dump({"examples": examples}, allow_unicode=True), encoding="utf-8")
        monkeypatch.setattr(faq_snapshot, "_routing", None)
        faq_store.bump_version()
    return write


def _answered(text: str, app) -> str | None:
    """The entry the reply answers outright (its title and a 依据 line; a menu answers nothing)."""
    if text.startswith("您是不是想问") or "依据" not in text:
        return None
    with app.app_context():
        return next((e.slug for e in faq.loaded().entries.values() if f"【{e.question}】" in text), None)


def test_a_story_in_consumers_words_reaches_the_entry_its_examples_name(kb, consumer, examples_file):
    """Without examples a group-buy voucher left unused at a closed shop is not answered with the platform's
    first-compensation entry (the closed-shop card entry answers it); with four other consumers' stories labelled
    with that entry, it is answered with it outright."""
    examples_file([])
    assert _answered(consumer("o_before").say(GROUP_BUY).text, kb) != "platform-first-compensation"
    examples_file([{"entry": "platform-first-compensation", "text": t} for t in GROUP_BUY_EXAMPLES])
    assert _answered(consumer("o_after").say(GROUP_BUY).text, kb) == "platform-first-compensation"


MUTTON_PRICE = "羊肉多少钱一斤"
PRICE_CHAT = ["排骨今天啥价", "鸡蛋一斤多少钱了", "菜市场的牛肉多少钱一斤", "猪蹄现在卖多少钱"]


def test_everyday_talk_is_recognised_by_its_examples(kb, consumer, examples_file):
    """Without small-talk examples, asking the price of mutton gets food-safety entries (an answer or three choices);
    with four other people's price questions labelled as off-topic small talk, it gets the friendly off-topic line,
    no law and no menu."""
    examples_file([])
    before = consumer("o_talk_before").say(MUTTON_PRICE).text
    assert "依据" in before or before.startswith("您是不是想问")
    examples_file([{"talk": "offtopic", "text": t} for t in PRICE_CHAT])
    text = consumer("o_talk_after").say(MUTTON_PRICE).text
    assert text.startswith("这个问题我帮不上忙") and "依据" not in text and "您是不是想问" not in text


def test_every_shipped_example_names_a_published_entry_or_a_referral(kb):
    """knowledge/examples.yaml only ties messages to entries and referrals that exist, or to a kind of small talk the
    bot has a reply for (a renamed id would silently drop its examples)."""
    data = yaml.safe_load((ROOT / "knowledge" / "examples.yaml").read_text(encoding="utf-8"))
    with kb.app_context():
        state = faq.loaded()
        referrals = {r.id for r in state.routing.referrals}
        entries = set(state.entries)
    assert data["examples"]
    for item in data["examples"]:
        assert item.get("entry") in entries or item.get("referral") in referrals or \
            item.get("talk") in faq.LEARNED_TALK, item


@pytest.mark.parametrize("held_out", ["tests/data/qa_dev_test.yaml", "tests/data/qa_fresh.yaml",
                                      "tests/data/qa_dev2.yaml", "tests/data/qa_dev3_test.yaml",
                                      "tests/data/qa_dev5_test.yaml", "tests/data/qa_dev6_test.yaml",
                                      "tests/data/qa_dev7_test.yaml", "tests/data/qa_dev8_test.yaml",
                                      "tests/data/qa_dev9_test.yaml", "tests/data/qa_dev10_test.yaml",
                                      "tests/data/qa_dev11_test.yaml", "tests/data/qa_dev12_test.yaml",
                                      "tests/data/qa_dev13_test.yaml", "tests/data/qa_dev14_test.yaml"])
def test_the_examples_generator_refuses_a_held_out_set(held_out, tmp_path):
    """A held-out set measures the bot and must never train it: the generator exits non-zero with one line and
    writes nothing."""
    out = tmp_path / "examples.yaml"
    done = subprocess.run([sys.executable, "bench/qa_examples.py", "tests/data/qa_dev_tune.yaml", held_out,
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "held out" in done.stderr
    assert not out.exists()


def test_appending_a_set_keeps_the_shipped_examples_and_adds_its_own(tmp_path):
    """--append labels only the new set: every example already shipped stays as it was, in order, the new set's
    messages follow, and the header names the new set among its sources."""
    shipped = tmp_path / "examples.yaml"
    shipped.write_text((ROOT / "knowledge" / "examples.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = yaml.safe_load(shipped.read_text(encoding="utf-8"))["examples"]
    extra = tmp_path / "blind_new.yaml"
    extra.write_text(yaml.safe_dump([
        {"text": "网上买的裤子不合适 七天内能退不", "kind": "on_topic", "topic": "七日无理由退货",
         "laws": ["《消费者权益保护法》第25条"], "category": "online"},
        {"text": "老板欠我俩月工钱不给", "kind": "referral", "office": "12333"}], allow_unicode=True), encoding="utf-8")
    done = subprocess.run([sys.executable, "bench/qa_examples.py", "--append", str(extra), "--out", str(shipped)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = shipped.read_text(encoding="utf-8")
    after = yaml.safe_load(text)["examples"]
    assert after[:len(before)] == before
    assert [e["text"] for e in after[len(before):]] == ["网上买的裤子不合适 七天内能退不", "老板欠我俩月工钱不给"]
    assert after[-1] == {"referral": "labour", "text": "老板欠我俩月工钱不给"}
    assert "knowledge/messages/blind_t.yaml" in text and str(extra) in text


def test_appending_a_set_already_shipped_is_refused(tmp_path):
    """A set already among the examples' sources is not added twice: one line, a non-zero exit, the file untouched."""
    shipped = tmp_path / "examples.yaml"
    original = (ROOT / "knowledge" / "examples.yaml").read_text(encoding="utf-8")
    shipped.write_text(original, encoding="utf-8")
    done = subprocess.run([sys.executable, "bench/qa_examples.py", "--append", "knowledge/messages/blind_a.yaml",
                           "--out", str(shipped)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "already in" in done.stderr
    assert shipped.read_text(encoding="utf-8") == original


def test_relabelling_moves_only_the_examples_a_newer_entry_now_answers(tmp_path):
    """--relabel ENTRY ties to ENTRY the shipped examples a fresh labelling of their sources gives it (a late delivery
    labelled, before the delivery entry existed, with an unrelated entry citing the same article) and leaves every
    other example as it was; with --from naming entries none of them is tied to, nothing moves."""
    source = tmp_path / "blind_old.yaml"
    source.write_text(yaml.safe_dump([
        {"text": "外卖超时一个多小时 饭都凉透了", "kind": "on_topic", "topic": "外卖与网络订餐",
         "laws": ["《民法典》第577条"], "category": "food"},
        {"text": "网上买的裤子不合适 七天内能退不", "kind": "on_topic", "topic": "七日无理由退货",
         "laws": ["《消费者权益保护法》第25条"], "category": "online"}], allow_unicode=True), encoding="utf-8")
    shipped = tmp_path / "examples.yaml"
    old = [{"entry": "illegal-medical-beauty", "text": "外卖超时一个多小时 饭都凉透了"},
           {"entry": "return-7day-exceptions", "text": "网上买的裤子不合适 七天内能退不"}]
    shipped.write_text(f"# Examples.\n# {source}.\n" + yaml.safe_dump({"examples": old}, allow_unicode=True),
                       encoding="utf-8")

    def relabel(*extra: str) -> list[dict]:
        done = subprocess.run([sys.executable, "bench/qa_examples.py", "--relabel", "takeout-late-wrong", *extra,
                               "--out", str(shipped)], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return yaml.safe_load(shipped.read_text(encoding="utf-8"))["examples"]

    assert relabel("--from", "service-travel") == old
    assert relabel() == [{"entry": "takeout-late-wrong", "text": "外卖超时一个多小时 饭都凉透了"}, old[1]]
    assert shipped.read_text(encoding="utf-8").startswith(f"# Examples.\n# {source}.\n")
