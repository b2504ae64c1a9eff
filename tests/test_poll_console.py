"""你点我检 in the staff console: define, schedule and run a poll, read live results, export, sample and publish."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from extensions import db
from models import AuditEvent
from models.poll import Option, Poll, PollStatus, SamplingBatch, SamplingResult
from services import polls
from services.clock import to_china, utcnow
from tests.support.polls import make_poll, vote


def _local(moment) -> str:
    return f"{to_china(moment):%Y-%m-%dT%H:%M}"


def _definition(**extra) -> dict:
    now = utcnow()
    return {"title": "2027年3·15 你点我检", "description": "选出您最关心的食品",
            "opens_at": _local(now + timedelta(days=1)), "closes_at": _local(now + timedelta(days=8)),
            "allow_suggestion": "1",
            "q1_text": "您最想抽检哪些食品？", "q1_options": "牛奶\n鸡蛋\n大米\n食用油", "q1_max": "3", "q1_top": "2",
            "q2_text": "您最想抽检哪些场所？", "q2_options": "超市\n农贸市场\n学校食堂", "q2_max": "2", "q2_top": "1",
            **extra}


def test_staff_create_schedule_and_open_a_poll_with_every_move_audited(app, client, staff_factory, logged_in):
    """A poll is created from the form, scheduled, opened early and closed; each action is in the audit trail."""
    user = logged_in(client, staff_factory(role="staff"))
    res = user.post("/console/polls/new", data=_definition())
    assert res.status_code == 302
    with app.app_context():
        poll = db.session.scalar(select(Poll))
        assert [len(q.options) for q in poll.questions] == [4, 3] and poll.questions[0].top_n == 2
        poll_id = poll.id
    for to in ("scheduled", "open", "closed"):
        assert user.post(f"/console/polls/{poll_id}/status", data={"to": to}).status_code == 302
    page = user.get(f"/console/polls/{poll_id}").get_data(as_text=True)
    assert "已结束" in page
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "poll")
                                      .order_by(AuditEvent.id)).all()
        assert actions == ["poll.create", "poll.scheduled", "poll.open", "poll.closed"]


def test_bad_definitions_and_illegal_moves_are_refused_with_reasons(app, client, staff_factory, logged_in):
    """Missing options, end before start and an illegal status move get a Chinese reason; nothing changes."""
    user = logged_in(client, staff_factory(role="staff"))
    res = user.post("/console/polls/new", data=_definition(q1_options="牛奶"))
    assert res.status_code == 422 and "至少需要2个选项" in res.get_data(as_text=True)
    now = utcnow()
    res = user.post("/console/polls/new", data=_definition(closes_at=_local(now)))
    assert res.status_code == 422 and "结束时间应晚于开始时间" in res.get_data(as_text=True)
    poll_id = make_poll(app, status=PollStatus.DRAFT)
    res = user.post(f"/console/polls/{poll_id}/status", data={"to": "sampling"})
    assert res.status_code == 409 and "不能改为「抽检中」" in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Poll)) == 1


def test_viewer_can_read_results_but_not_change_a_poll(app, client, staff_factory, logged_in):
    """A read-only viewer sees the results page but may not close the poll."""
    poll_id = make_poll(app)
    viewer = logged_in(client, staff_factory(role="viewer"))
    assert viewer.get(f"/console/polls/{poll_id}").status_code == 200
    assert viewer.post(f"/console/polls/{poll_id}/status", data={"to": "closed"}).status_code == 403


def test_live_results_chart_and_exports(app, client, consumer, staff_factory, logged_in):
    """The results page ranks options with an SVG bar chart; Excel and CSV exports hold the same counts."""
    poll_id = make_poll(app, allow_suggestion=False)
    vote(consumer("o_a"), "2 1", "1", suggestion=None)
    vote(consumer("o_b"), "2", "2", suggestion=None)
    user = logged_in(client, staff_factory(role="staff"))
    page = user.get(f"/console/polls/{poll_id}").get_data(as_text=True)
    assert "<svg" in page and "鸡蛋" in page and "100.0%" in page and "完整" in page
    csv_text = user.get(f"/console/polls/{poll_id}/export.csv").get_data().decode("utf-8-sig")
    assert "您最想抽检哪些食品？,1,鸡蛋,2,100.0%,是" in csv_text
    book = load_workbook(io.BytesIO(user.get(f"/console/polls/{poll_id}/export.xlsx").get_data()))
    rows = [[c.value for c in row] for row in book.active.iter_rows(min_row=5)]
    assert ["您最想抽检哪些食品？", 1, "鸡蛋", 2, "100.0%", "是"] in rows
    anomalies = user.get(f"/console/polls/{poll_id}/anomalies").get_data(as_text=True)
    assert "新关注后即投票" in anomalies and "<svg" in anomalies


def test_sampling_results_entered_and_published_tell_the_voters(app, client, consumer, sim, staff_factory,
                                                                 logged_in):
    """Staff enter a batch and link a result to 牛奶; the clerk who entered it cannot publish it alone (four eyes);
    a colleague publishes; the 牛奶 voter is told once, even if publish is pressed twice."""
    poll_id = make_poll(app, status=PollStatus.OPEN, allow_suggestion=False)
    vote(consumer("o_milk"), "1", "1", suggestion=None)
    vote(consumer("o_rice"), "3", "1", suggestion=None)
    user = logged_in(client, staff_factory(role="staff"))
    user.post(f"/console/polls/{poll_id}/status", data={"to": "closed"})
    user.post(f"/console/polls/{poll_id}/status", data={"to": "sampling"})
    assert user.post(f"/console/polls/{poll_id}/batches", data={"title": "第一批"}).status_code == 302
    with app.app_context():
        milk = db.session.scalar(select(Option.id).where(Option.label == "牛奶"))
        batch_id = db.session.scalar(select(SamplingBatch.id))
    missing = user.post(f"/console/polls/{poll_id}/batches/{batch_id}/results",
                        data={"sample_name": "纯牛奶", "place": "某超市", "sampled_on": "2027-03-20",
                              "verdict": "fail", "option_ids": [str(milk)]})
    assert missing.status_code == 422 and "不合格项目" in missing.get_data(as_text=True)
    res = user.post(f"/console/polls/{poll_id}/batches/{batch_id}/results",
                    data={"sample_name": "纯牛奶", "brand": "草原牌", "producer": "某乳业", "place": "某超市",
                          "sampled_on": "2027-03-20", "verdict": "pass", "option_ids": [str(milk)]})
    assert res.status_code == 302
    alone = user.post(f"/console/polls/{poll_id}/publish")
    assert alone.status_code == 403 and "录入结果以外的同事" in alone.get_data(as_text=True)
    assert sim.inbox("o_milk") == [] or all(m["kind"] != "custom:text" for m in sim.inbox("o_milk"))
    user = logged_in(app.test_client(), staff_factory(role="staff"))
    assert "录入：" in user.get(f"/console/polls/{poll_id}/sampling").get_data(as_text=True)
    assert user.post(f"/console/polls/{poll_id}/publish").status_code == 302
    again = user.post(f"/console/polls/{poll_id}/publish")
    assert again.status_code == 409 and "没有待公布" in again.get_data(as_text=True)
    told = [m for m in sim.inbox("o_milk") if m["kind"] == "custom:text"]
    assert len(told) == 1 and "纯牛奶" in told[0]["body"]["content"]
    assert [m for m in sim.inbox("o_rice") if m["kind"] == "custom:text"] == []
    with app.app_context():
        assert polls.get(poll_id).status == PollStatus.PUBLISHED
        assert db.session.scalar(select(db.func.count()).select_from(SamplingResult)) == 1


def test_api_lists_polls_and_reads_live_results(app, client, consumer, staff_factory, api_token):
    """GET /api/polls/ and /api/polls/<id>/results answer with the ranked tallies; the chain verifies."""
    poll_id = make_poll(app, allow_suggestion=False)
    vote(consumer("o_a"), "1", "1", suggestion=None)
    headers = {"Authorization": f"Bearer {api_token(staff_factory(role='viewer'))}"}
    listing = client.get("/api/polls/", headers=headers).get_json()
    assert listing["items"][0]["status_label"] == "投票中"
    results = client.get(f"/api/polls/{poll_id}/results", headers=headers).get_json()
    assert results["ballots"] == 1 and results["questions"][0]["options"][0]["label"] == "牛奶"
    assert client.get(f"/api/polls/{poll_id}/chain", headers=headers).get_json()["ok"] is True
    denied = client.post(f"/api/polls/{poll_id}/status", json={"to": "closed"}, headers=headers)
    assert denied.status_code == 403


def test_voters_suggestions_are_listed_and_exported_with_phones_masked(app, client, consumer, staff_factory,
                                                                      logged_in):
    """Two voters' 其他建议 appear on the poll page and in both exports; a phone number typed in one is masked;
    a suggestion that looks like a formula stays text in the CSV."""
    poll_id = make_poll(app)
    assert "感谢" in vote(consumer("o_s1"), suggestion="请抽检学校门口的辣条，电话13812345678").text
    vote(consumer("o_s2"), suggestion="=HYPERLINK(\"http://evil.example\",\"x\")")
    user = logged_in(client, staff_factory(role="staff"))
    page = user.get(f"/console/polls/{poll_id}").get_data(as_text=True)
    assert "其他建议（2 条）" in page and "学校门口的辣条" in page
    assert "138****5678" in page and "13812345678" not in page
    book = load_workbook(io.BytesIO(user.get(f"/console/polls/{poll_id}/export.xlsx").get_data()))
    texts = [c.value for row in book["其他建议"].iter_rows() for c in row]
    assert any("辣条" in str(t) and "138****5678" in str(t) for t in texts)
    csv_text = user.get(f"/console/polls/{poll_id}/export.csv").get_data().decode("utf-8-sig")
    assert "学校门口的辣条" in csv_text and "'=HYPERLINK" in csv_text and "13812345678" not in csv_text


def test_only_one_poll_at_a_time(app, client, staff_factory, logged_in):
    """While one poll is open, starting or scheduling another whose time overlaps is refused (409) naming the open
    one; once it is closed, the second can start."""
    open_id = make_poll(app)
    user = logged_in(client, staff_factory(role="staff"))
    assert user.post("/console/polls/new", data=_definition(title="第二个投票")).status_code == 302
    with app.app_context():
        second = db.session.scalar(select(Poll.id).where(Poll.title == "第二个投票"))
        first_title = db.session.get(Poll, open_id).title
    for to in ("open", "scheduled"):
        res = user.post(f"/console/polls/{second}/status", data={"to": to})
        assert res.status_code == 409 and f"「{first_title}」" in res.get_data(as_text=True)
    assert user.post(f"/console/polls/{open_id}/status", data={"to": "closed"}).status_code == 302
    assert user.post(f"/console/polls/{second}/status", data={"to": "open"}).status_code == 302
    with app.app_context():
        assert db.session.get(Poll, second).status == PollStatus.OPEN
