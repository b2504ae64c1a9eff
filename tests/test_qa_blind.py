"""维权问答 quality on the blind set (tests/data/qa_blind.yaml), which no one tuned against."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extensions import db
from services import faq
from services.faq import Kind

BLIND = yaml.safe_load((Path(__file__).parent / "data" / "qa_blind.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def classify(app):
    with app.app_context():
        faq.import_dir()
        db.session.commit()
        yield faq.classify


def test_blind_top1_is_at_least_90_percent(classify):
    """At least 90% of the blind questions show a correct entry first (answer, or choice 1 of an offer)."""
    misses = []
    for item in BLIND["questions"]:
        result = classify(item["q"])
        if result.kind is Kind.REFER and set(result.referral.replaces) & set(item["expect"]):
            continue                      # another department's matter: the referral replaced the boundary entry
        shown = [result.entry] if result.kind is Kind.ANSWER else result.choices
        if not shown or shown[0].slug not in item["expect"]:
            misses.append(f"{item['q']} → {shown[0].slug if shown else result.kind.value}")
    assert 1 - len(misses) / len(BLIND["questions"]) >= 0.90, "\n".join(misses)


def test_blind_offtopic_never_gets_a_law_answer(classify):
    """Greetings, chit-chat and other departments' questions never get an answer carrying a law article."""
    answered = [item["q"] for item in BLIND["offtopic"] if classify(item["q"]).kind is Kind.ANSWER]
    assert answered == []
