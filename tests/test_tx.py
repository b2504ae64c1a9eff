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


def test_filing_a_case_leaves_the_commit_to_the_edge(app):
    """complaints.file neither commits what the turn did before it nor the case itself: a rollback at the edge
    undoes both, and filing again with the same intake token after a commit returns the same case."""
    from models import Case, Follower
    from models.complaint import Kind, Wish
    from services import complaints
    intake = complaints.Intake(kind=Kind.COMPLAINT, business_name="好又多超市", business_address="城关镇人民路88号",
                               story="买到过期牛奶", wish=Wish.REFUND, name="张三", phone="13812345678")
    token = complaints.new_intake_token()
    with app.app_context():
        db.session.add(Follower(openid="o_before", subscribed=True, created_at=utcnow()))
        complaints.file(openid="o_tx", intake_token=token, intake=intake, now=utcnow())
        db.session.rollback()
        assert db.session.query(Follower).count() == 0 and db.session.query(Case).count() == 0
        first = complaints.file(openid="o_tx", intake_token=token, intake=intake, now=utcnow())
        db.session.commit()
        again = complaints.file(openid="o_tx", intake_token=token, intake=intake, now=utcnow())
        assert again.id == first.id and db.session.query(Case).count() == 1


def test_follows_kept_during_an_outage_are_committed_by_the_drain(app):
    """A follow and a later unfollow queued while the database was down are applied by the job, each committed
    before it leaves the queue."""
    from datetime import timedelta

    from models import Follower
    from scheduler.jobs import apply_follow_queue
    from services import follow_queue
    with app.app_context():
        follow_queue.enqueue(action="subscribe", openid="o_kept", at=utcnow() - timedelta(minutes=2), scene="qr1")
        follow_queue.enqueue(action="subscribe", openid="o_left", at=utcnow() - timedelta(minutes=2))
        follow_queue.enqueue(action="unsubscribe", openid="o_left", at=utcnow() - timedelta(minutes=1))
    apply_follow_queue(app)
    with app.app_context():          # a fresh session: only committed work is visible
        assert {f.openid: (f.subscribed, f.scene) for f in db.session.query(Follower)} == {
            "o_kept": (True, "qr1"), "o_left": (False, None)}
        assert follow_queue.pending() == []
