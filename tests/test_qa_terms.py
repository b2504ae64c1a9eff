"""The index's compact term lookup (services/faq_terms.py): the same rows a dict would give, -1 for unknown."""
from __future__ import annotations

from services.faq_terms import Terms


def test_terms_give_each_known_term_its_row_and_unknown_terms_none():
    """Every term maps to its position in the given order, one at a time or many at once; unknown terms do not."""
    words = [f"词{n}" for n in range(5000)] + ["退货", "七日无理由", " 退"]
    terms = Terms(words)
    assert len(terms) == len(words)
    assert all(terms.get(w) == i for i, w in enumerate(words))
    assert terms.rows(["退货", "天气", "词42", " 退"]).tolist() == [5000, -1, 42, 5002]
    assert terms.get("天气") is None and "天气" not in terms and "退货" in terms
    assert Terms([]).rows(["退货"]).tolist() == [-1] and Terms(["退货"]).rows([]).tolist() == []
