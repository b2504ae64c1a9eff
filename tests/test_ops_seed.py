"""Demo content only on request: `flask seed` loads reference data and publishes nothing consumers can see;
`seed --demo` adds the demo poll and publications, which staff can withdraw (publications) and archive (poll)."""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, Department, Publication
from models.poll import Poll
from models.statutory_clock import StatutoryClock
from services import poll_seed, publication_seed


def test_seed_without_demo_publishes_nothing_consumers_can_see(app, runner, wechat):
    """After plain `seed` the departments, clocks and KB are there, and 案例, 警示 and 投票 find nothing."""
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Department)) > 0
        assert db.session.scalar(select(func.count()).select_from(StatutoryClock)) == 5     # 3 complaint + 2 sampling clocks
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 0
        assert db.session.scalar(select(func.count()).select_from(Poll)) == 0
    assert "还没有发布典型案例" in wechat.say("案例").text
    assert "还没有发布消费警示" in wechat.say("警示").text
    assert "目前没有正在进行" in wechat.say("投票").text


def test_seed_demo_adds_content_that_staff_withdraw_and_archive(app, runner, consumer, staff_factory, logged_in):
    """`seed --demo` makes the demo visible in chat; withdrawing the publications and archiving the poll (audited)
    takes each out of the chat again."""
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    reader = consumer("o_reader")
    assert publication_seed.DEMO[2][1] in reader.say("案例").text + str(reader.say("案例").articles)
    assert poll_seed.TITLE in reader.say("投票").text
    reader.say("取消")
    with app.app_context():
        pub_ids = list(db.session.scalars(select(Publication.id)))
        poll_id = db.session.scalar(select(Poll.id))
    admin = logged_in(app.test_client(), staff_factory(role="admin"))
    for pub_id in pub_ids:
        res = admin.post(f"/console/publications/{pub_id}/withdraw")
        assert res.status_code == 302, res.get_data(as_text=True)[:300]
    assert admin.post(f"/console/polls/{poll_id}/status", data={"to": "archived"}).status_code == 302
    other = consumer("o_reader2")
    assert "还没有发布典型案例" in other.say("案例").text
    assert "还没有发布消费警示" in other.say("警示").text
    assert "目前没有正在进行" in other.say("投票").text
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"publication.withdrawn", "poll.archived"} <= actions
    again = admin.post(f"/console/publications/{pub_ids[0]}/withdraw")
    assert again.status_code == 409 and "不能撤回" in again.get_data(as_text=True)
