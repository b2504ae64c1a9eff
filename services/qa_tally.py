"""Count each 维权问答 question once by China day, topic and outcome (models/qa_tally.py), in the message's own
transaction: a re-sent message is answered from the stored reply and never reaches here again, and a message whose
handling fails rolls its count back with everything else.

The hot path is one statement: an upsert on PostgreSQL and SQLite (built once per dialect), else UPDATE then INSERT.
"""
from __future__ import annotations

from datetime import date, datetime
from importlib import import_module

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.qa_tally import AskOutcome, QuestionTally
from services.clock import china_today

TOPIC_LIMIT = 64
NO_TOPIC = "未归类"

_TABLE = QuestionTally.__table__
_BUMP = (update(_TABLE).where(_TABLE.c.day == bindparam("b_day"), _TABLE.c.topic == bindparam("b_topic"),
                              _TABLE.c.outcome == bindparam("b_outcome"))
         .values(count=_TABLE.c.count + 1))
_UPSERTS: dict[str, object] = {}


def _upsert(dialect: str):
    if dialect not in _UPSERTS:
        module = import_module(f"sqlalchemy.dialects.{dialect}")
        stmt = module.insert(_TABLE).values(day=bindparam("b_day"), topic=bindparam("b_topic"),
                                            outcome=bindparam("b_outcome"), category=bindparam("b_category"),
                                            count=1)
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=[_TABLE.c.day, _TABLE.c.topic, _TABLE.c.outcome],
            set_={"count": _TABLE.c.count + 1})
    return _UPSERTS[dialect]


def count(*, outcome: AskOutcome, topic: str, category: str, now: datetime) -> None:
    """One more question of `topic` with `outcome` today (China time)."""
    params = {"b_day": china_today(now), "b_topic": (topic or "")[:TOPIC_LIMIT], "b_outcome": outcome.value,
              "b_category": (category or "")[:32]}
    dialect = db.session.get_bind().dialect.name
    if dialect in {"postgresql", "sqlite"}:
        db.session.execute(_upsert(dialect), params)
        return
    if db.session.execute(_BUMP, params).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(QuestionTally(day=params["b_day"], topic=params["b_topic"], outcome=outcome.value,
                                         category=params["b_category"], count=1))
    except IntegrityError:          # a concurrent first question of the day inserted it
        db.session.execute(_BUMP, params)


def by_topic(*, start: date | None, end: date | None) -> list[tuple[str, dict[str, int]]]:
    """(topic, {outcome: n}) for the China days start..end (inclusive), most asked first."""
    query = select(QuestionTally.topic, QuestionTally.outcome, func.sum(QuestionTally.count)).group_by(
        QuestionTally.topic, QuestionTally.outcome)
    if start is not None:
        query = query.where(QuestionTally.day >= start)
    if end is not None:
        query = query.where(QuestionTally.day <= end)
    topics: dict[str, dict[str, int]] = {}
    for topic, outcome, n in db.session.execute(query):
        topics.setdefault(topic or NO_TOPIC, {}).setdefault(outcome, 0)
        topics[topic or NO_TOPIC][outcome] += int(n)
    return sorted(topics.items(), key=lambda item: (-sum(item[1].values()), item[0]))
