"""A new follower's first question costs one statement on the followers table (issue 12, capacity)."""
from __future__ import annotations

import re

from sqlalchemy import event

from extensions import db
from services import followers

FOLLOWERS_TABLE = re.compile(r"\b(FROM|INTO|UPDATE)\s+followers\b", re.IGNORECASE)


def test_a_new_followers_first_question_is_one_statement_on_followers(app, consumer):
    """A consumer never seen before asks a question: the follower row is created and their 48-hour window
    recorded by a single statement (it was an UPDATE, a SELECT and an INSERT), and the question is answered."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if FOLLOWERS_TABLE.search(statement):
            seen.append(statement.split()[0].upper())
    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = consumer("o_first_time").say("网购衣服不想要了能退吗")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert answer.status == 200 and answer.text
    assert seen == ["INSERT"]
    with app.app_context():
        follower = followers.get("o_first_time")
        assert follower is not None and follower.subscribed and follower.last_inbound_at is not None
