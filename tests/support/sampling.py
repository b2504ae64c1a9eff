"""你点我检 sampling set-up shared by the poll-result, disposal and campaign tests: an option's id, a batch of
results, the failing eggs result."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from extensions import db
from models.poll import Option, Question, Verdict
from services import sampling


def option_id(poll_id: int, question: int, position: int) -> int:
    """The id of option `position` of question `question` (both 1-based) of the poll."""
    return db.session.scalar(select(Option.id).join(Question).where(
        Question.poll_id == poll_id, Question.position == question, Option.position == position))


def add_batch(poll_id: int, *, now, results: list[dict]) -> None:
    """One batch of results (dicts of ResultSpec fields), in the open app context."""
    batch = sampling.add_batch(poll_id=poll_id, title="第一批", by="tester", now=now)
    for fields in results:
        spec = {"sampled_on": date(2026, 3, 10), "verdict": Verdict.PASS, **fields}
        sampling.add_result(batch_id=batch.id, by="tester", now=now, spec=sampling.ResultSpec(**spec))
    db.session.commit()


def failing_eggs(poll_id: int, **extra) -> dict:
    """A 不合格 鲜鸡蛋 result (恩诺沙星) for the poll's second food option."""
    return {"sample_name": "鲜鸡蛋", "place": "城关镇东街农贸市场", "verdict": Verdict.FAIL, "failing_item": "恩诺沙星",
            "hazard_note": "长期少量摄入可能使人体产生耐药性。", "producer": "某禽蛋合作社",
            "option_ids": [option_id(poll_id, 1, 2)], **extra}
