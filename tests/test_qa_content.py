"""维权问答 content corrections from the legal audit (shared/kb-audit.md), through the webhook: 饭店最低消费 answered as
banned (not "lawful if disclosed"), 旅游购物 answered with 旅游法第35条 and where tour complaints go, and procedure
answers that rest on the replaced complaint rules say they are still being checked."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extensions import db
from services import faq, faq_store

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


@pytest.fixture
def kb(app):
    """The real knowledge base, imported as `flask seed` does."""
    with app.app_context():
        faq.import_dir()
        db.session.commit()
    return app


def _answer(app, slug: str) -> str:
    with app.app_context():
        return faq_store.get(slug).answer.strip()


def test_restaurant_minimum_charge_is_answered_as_not_allowed(kb, wechat):
    """A restaurant's 包间最低消费 gets the dining entry: refusable, the unverified article not stated, no "看有没有标示"."""
    text = wechat.say("年夜饭订了个包间 店里说最低消费一千五 我们六个人吃不了那么多 不够还得补钱").text
    assert _answer(kb, "dining-minimum-charge") in text
    assert "不得设置最低消费" in text and "还在核实" in text
    assert "依据：《消费者权益保护法》第9条、第26条" in text
    assert "关键看事先有没有明码标示" not in text


def test_karaoke_minimum_charge_keeps_the_disclosure_rule(kb, wechat):
    """A KTV room's minimum charge is not a restaurant's: it gets the entry that turns on prior disclosure."""
    assert _answer(kb, "unfair-minimum-charge") in wechat.say("KTV包厢低消八百 我们没唱够也让补").text


def test_goods_bought_on_a_tour_get_the_tourism_law_not_only_a_referral(kb, wechat):
    """A fake bracelet bought where the guide took the group gets 旅游法第35条 (30 days, agency advances the refund)."""
    text = wechat.say("跟团去云南 导游带去玉石店 买的镯子回来找人鉴定是假的").text
    assert _answer(kb, "travel-shopping-refund") in text
    assert "《旅游法》第35条" in text and "30日内" in text and "文化和旅游部门" in text


def test_a_tour_matter_without_a_purchase_is_still_referred(kb, wechat):
    """A guide abandoning the group is 文旅's: referred, no law cited."""
    text = wechat.say("报的低价团 导游嫌我们不进店 半路把我们扔下了").text
    assert "文旅部门" in text and "依据" not in text


def test_procedure_answers_on_the_replaced_rules_say_they_are_unverified(kb, wechat):
    """A proxy complaint's paperwork rests on the old 暂行办法: the answer says the new rules are still being checked."""
    text = wechat.say("我妈不会用手机 我能替她投诉吗 要啥手续").text
    assert _answer(kb, "complaint-proxy") in text
    assert "还在核实" in text


@pytest.mark.parametrize("message, slug", [
    ("舞蹈班把我家孩子的照片发抖音上做广告了 没问过我", "privacy-collection"),
    ("孩子发烧住院半个月 游泳班的课上不了 能退费不", "prepaid-health-change"),
])
def test_a_class_is_the_setting_not_the_problem(kb, wechat, message, slug):
    """A training class named in a privacy or illness story gets that entry, not the training-refund one."""
    text = wechat.say(message).text
    assert _answer(kb, slug) in text
    assert "您是不是想问" not in text


class _NoRepeats(yaml.SafeLoader):
    """A YAML loader that refuses a mapping naming one key twice (PyYAML keeps the last silently)."""


def _no_repeats(loader, node, deep=False):
    keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
    repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
    if repeated:
        raise yaml.constructor.ConstructorError(None, None, f"repeated key(s) {repeated}", node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_NoRepeats.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_repeats)


@pytest.mark.parametrize("path", sorted(p.relative_to(KNOWLEDGE).as_posix() for p in KNOWLEDGE.rglob("*.yaml")))
def test_no_knowledge_file_names_a_key_twice(path):
    """A key written twice in one mapping (two `not_for` rules for one entry) would silently drop the first rule:
    every knowledge file loads with each key once."""
    yaml.load((KNOWLEDGE / path).read_text(encoding="utf-8"), Loader=_NoRepeats)
