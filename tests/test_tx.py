"""services/tx.py: what a service registers with `tx.after_commit` happens after the edge's commit, once, and never
for work that was rolled back; the knowledge base's index version moves only when an edit is committed."""
from __future__ import annotations

from extensions import db, redis
from services import faq_store, keys, tx
from services.clock import utcnow


def test_after_commit_runs_once_after_the_commit_and_not_for_a_savepoint(app):
    """A registered callback waits through a flush and a released savepoint, runs at the commit, and only once."""
    ran: list[str] = []

    def announce() -> None:
        ran.append("after")

    with app.app_context():
        tx.after_commit(announce)
        tx.after_commit(announce)                    # the same announcement twice is made once
        db.session.flush()
        with db.session.begin_nested():
            pass
        assert ran == []
        db.session.commit()
        assert ran == ["after"]
        db.session.commit()                          # a later commit does not repeat it
        assert ran == ["after"]


def test_after_commit_is_dropped_on_rollback(app):
    """Work that is rolled back announces nothing, even at the next successful commit."""
    ran: list[str] = []
    with app.app_context():
        tx.after_commit(lambda: ran.append("after"))
        db.session.rollback()
        db.session.commit()
        assert ran == []


def test_an_unpublish_rolled_back_leaves_the_index_version_alone(kb):
    """Unpublishing an entry bumps the index version at the edge's commit, and not at all when it is rolled back."""
    with kb.app_context():
        before = redis.get(keys.faq_index_version())
        faq_store.set_published(slug="return-7day-online", published=False, by="tester", now=utcnow())
        db.session.rollback()
        assert redis.get(keys.faq_index_version()) == before and faq_store.get("return-7day-online").published
        faq_store.set_published(slug="return-7day-online", published=False, by="tester", now=utcnow())
        assert redis.get(keys.faq_index_version()) == before
        db.session.commit()
        assert redis.get(keys.faq_index_version()) != before
