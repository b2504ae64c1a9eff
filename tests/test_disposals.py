"""核查处置: each 不合格 result published opens one case in the department where the sample was taken, with the
statutory clock; the 复检 window counts working days; a published outcome reaches each voter of the item once."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, Staff
from models.disposal import Disposal, DisposalNotice, DisposalReminder, DisposalStatus
from models.poll import PollStatus, Verdict
from scheduler.jobs import JOBS
from services import Conflict, Invalid, deadlines, departments, disposal_notices, disposals, polls, sampling
from services.clock import utcnow
from tests.support.complaints import china, make_office
from tests.support.polls import make_poll, vote
from tests.support.sampling import add_batch, failing_eggs


def test_each_failing_result_opens_one_case_in_its_department_with_the_clock(app):
    """Two 不合格 and one 合格: two cases, one routed by the place's town, one in the department entered; 90 days."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    opened_at = china(2026, 3, 16, 10, 0)
    with app.app_context():
        departments.seed_defaults()
        food = departments.by_name("食品安全股")
        add_batch(poll_id, now=opened_at, results=[
            {"sample_name": "纯牛奶", "place": "城关镇某超市"},
            failing_eggs(poll_id),
            {"sample_name": "散装白酒", "place": "某小作坊", "verdict": Verdict.FAIL, "failing_item": "甲醇",
             "hazard_note": "甲醇超标可致失明。", "department_id": food.id},
        ])
        outcome = sampling.publish(poll_id=poll_id, by="tester", now=opened_at)
        db.session.commit()
        assert outcome.disposals == 2
        cases = {c.result.sample_name: c for c in db.session.scalars(select(Disposal))}
        assert set(cases) == {"鲜鸡蛋", "散装白酒"}
        assert cases["鲜鸡蛋"].department_id == departments.by_name("城关市场监督管理所").id
        assert cases["散装白酒"].department_id == food.id
        eggs = cases["鲜鸡蛋"]
        assert (eggs.clock, eggs.status) == ("sampling_disposal", DisposalStatus.OPEN)
        assert eggs.due_on == date(2026, 6, 15)          # 3-16 + 90 days = Sun 6-14, runs to Mon 6-15
        assert eggs.due_on == deadlines.due(deadlines.clock("sampling_disposal"), date(2026, 3, 16)).due_on
        assert not eggs.due_estimated

        # publishing a later batch, or the same batch again, opens nothing more
        add_batch(poll_id, now=opened_at, results=[{"sample_name": "大米", "place": "城关镇粮油店"}])
        assert sampling.publish(poll_id=poll_id, by="tester", now=opened_at).disposals == 0
        db.session.commit()
        batch = sampling.batches(poll_id)[0]
        assert disposals.open_for_batch(batch=batch, by="tester", now=opened_at) == []
        assert db.session.scalar(select(func.count()).select_from(Disposal)) == 2
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "disposal.open")) == 2


def test_recheck_window_counts_working_days_across_the_national_day_holiday(app, client, staff_factory,
                                                                             departments, logged_in):
    """Report served Wed 9-30: 复检 may be applied for until 10-15 (国庆 off, Sat 10-10 worked); 10-16 is refused."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    with app.app_context():
        add_batch(poll_id, now=china(2026, 9, 28, 9, 0), results=[failing_eggs(poll_id, sampled_on=date(2026, 9, 20))])
        sampling.publish(poll_id=poll_id, by="tester", now=china(2026, 9, 28, 9, 0))
        db.session.commit()
        case_id = db.session.scalar(select(Disposal.id))
    clerk = logged_in(client, staff_factory(department="城关市场监督管理所"))
    url = f"/console/disposals/{case_id}"

    early = clerk.post(f"{url}/steps", data={"step": "recheck", "on": "2026-10-09", "applied": "yes"})
    assert early.status_code == 409 and "请先记录“送达检验报告”" in early.get_data(as_text=True)
    served = clerk.post(f"{url}/steps", data={"step": "serve_report", "on": "2026-09-30", "note": "直接送达"})
    assert served.status_code == 302
    page = clerk.get(url).get_data(as_text=True)
    assert "复检申请期限至 <strong>2026-10-15</strong>" in page
    late = clerk.post(f"{url}/steps", data={"step": "recheck", "on": "2026-10-16", "applied": "yes"})
    assert late.status_code == 422 and "2026-10-15届满" in late.get_data(as_text=True)
    assert clerk.post(f"{url}/steps", data={"step": "recheck", "on": "2026-10-15", "applied": "yes"}).status_code == 302
    again = clerk.post(f"{url}/steps", data={"step": "serve_report", "on": "2026-10-01"})
    assert again.status_code == 409 and "不能重复记录" in again.get_data(as_text=True)
    with app.app_context():
        case = db.session.get(Disposal, case_id)
        assert (case.served_on, case.recheck_due_on, case.recheck_applied) == (date(2026, 9, 30), date(2026, 10, 15),
                                                                               True)


def test_cases_are_department_scoped_in_the_console(app, client, staff_factory, departments, logged_in):
    """The sampling department lists and acts on its case; another 所 gets 404; a viewer reads but cannot act."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    with app.app_context():
        add_batch(poll_id, now=utcnow(), results=[failing_eggs(poll_id)])
        sampling.publish(poll_id=poll_id, by="tester", now=utcnow())
        db.session.commit()
        case_id = db.session.scalar(select(Disposal.id))
    own = logged_in(client, staff_factory(department="城关市场监督管理所"))
    listing = own.get("/console/disposals/").get_data(as_text=True)
    assert "鲜鸡蛋" in listing and "恩诺沙星" in listing and "城关市场监督管理所" in listing
    assert "某禽蛋合作社" in own.get(f"/console/disposals/{case_id}").get_data(as_text=True)

    other = logged_in(app.test_client(), staff_factory(department="新华市场监督管理所"))
    assert "鲜鸡蛋" not in other.get("/console/disposals/").get_data(as_text=True)
    assert other.get(f"/console/disposals/{case_id}").status_code == 404
    assert other.post(f"/console/disposals/{case_id}/steps",
                      data={"step": "off_shelf", "on": "2026-11-02"}).status_code == 404

    viewer = logged_in(app.test_client(), staff_factory(role="viewer"))
    assert "鲜鸡蛋" in viewer.get(f"/console/disposals/{case_id}").get_data(as_text=True)
    assert viewer.post(f"/console/disposals/{case_id}/steps",
                       data={"step": "off_shelf", "on": "2026-11-02"}).status_code == 403


def _texts(sim, openid: str) -> list[str]:
    return [m["body"].get("content", "") for m in sim.inbox(openid) if m["kind"] == "custom:text"]


def test_published_outcome_is_shown_in_chat_and_told_to_each_voter_once(app, consumer, sim):
    """Voters of 鸡蛋 hear the outcome once when it is made public (not at 结案); a 牛奶 voter hears nothing."""
    poll_id = make_poll(app, allow_suggestion=False)
    egg_voter, milk_voter = consumer("o_eggs"), consumer("o_milk")
    vote(egg_voter, "2", "1", suggestion=None)
    vote(milk_voter, "1", "1", suggestion=None)
    now = utcnow()
    sender = app.extensions["outbound"].sender
    with app.app_context():
        clerk_id = make_office(now).chengguan.id
        polls.transition(poll_id=poll_id, to=PollStatus.CLOSED, by="tester", now=now)
        polls.transition(poll_id=poll_id, to=PollStatus.SAMPLING, by="tester", now=now)
        add_batch(poll_id, now=now, results=[failing_eggs(poll_id, sampled_on=now.date())])
        sampling.publish(poll_id=poll_id, by="tester", now=now)
        db.session.commit()
        sampling.notify_voters(now=now, sender=sender)
        case_id = db.session.scalar(select(Disposal.id))
        today, clerk = now.date(), db.session.get(Staff, clerk_id)
        with pytest.raises(Invalid):         # 结案 needs the outcome written
            disposals.record_step(disposal_id=case_id, spec=disposals.StepSpec("close", today), by=clerk,
                                  now=now)
        outcome = "已责令经营者下架并销毁不合格鸡蛋12公斤，对经营者立案查处，罚款5000元。"
        disposals.record_step(disposal_id=case_id, spec=disposals.StepSpec("close", today, outcome),
                              by=clerk, now=now)
        db.session.commit()
        assert disposal_notices.notify_voters(now=now, sender=sender) == 0          # closed is not yet public
    assert "核查处置" not in egg_voter.say("抽检结果 鸡蛋").text

    with app.app_context():
        clerk = db.session.get(Staff, clerk_id)
        disposals.record_step(disposal_id=case_id, spec=disposals.StepSpec("disclose", today, "县局官网公示"),
                              by=clerk, now=now)
        db.session.commit()
        with pytest.raises(Conflict):
            disposals.record_step(disposal_id=case_id, spec=disposals.StepSpec("disclose", today),
                                  by=clerk, now=now)
        assert disposal_notices.notify_voters(now=now, sender=sender) == 1
        assert disposal_notices.notify_voters(now=now, sender=sender) == 0
        assert db.session.scalar(select(DisposalNotice.channel)) == "custom"
    told = [t for t in _texts(sim, "o_eggs") if "核查处置结果" in t]
    assert len(told) == 1 and "罚款5000元" in told[0] and "鲜鸡蛋" in told[0]
    assert not [t for t in _texts(sim, "o_milk") if "核查处置" in t]
    reply = egg_voter.say("抽检结果 鸡蛋").text
    assert "核查处置：已责令经营者下架" in reply


def test_reminders_fire_once_per_threshold_of_the_disposal_clock(app):
    """Opened 3-16 (due 6-15): 50 %, 75 %, due day and overdue each remind once; the jobs are in JOBS."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    sender = app.extensions["outbound"].sender
    with app.app_context():
        make_office(china(2026, 3, 1, 9, 0))
        add_batch(poll_id, now=china(2026, 3, 16, 9, 0), results=[failing_eggs(poll_id)])
        sampling.publish(poll_id=poll_id, by="tester", now=china(2026, 3, 16, 9, 0))
        db.session.commit()
        remind = disposal_notices.send_reminders
        assert remind(now=china(2026, 4, 1, 9, 0), sender=sender) == 0
        assert remind(now=china(2026, 5, 2, 9, 0), sender=sender) == 1       # past half
        assert remind(now=china(2026, 5, 2, 9, 5), sender=sender) == 0
        assert remind(now=china(2026, 6, 15, 8, 0), sender=sender) == 1      # due day (75 % settled with it)
        assert remind(now=china(2026, 6, 16, 8, 0), sender=sender) == 1      # overdue
        assert remind(now=china(2026, 6, 20, 8, 0), sender=sender) == 0
        assert sorted(db.session.scalars(select(DisposalReminder.threshold))) == ["50", "75", "due", "overdue"]
    assert {"disposals.remind", "disposals.notify_voters"} <= {job.id for job in JOBS}


def test_a_case_routed_to_the_default_department_is_handed_to_the_right_one(app, client, staff_factory,
                                                                          departments, logged_in):
    """A place naming no town opens at 便民服务中心; its clerk hands it to 城关所, whose list then has it and theirs not."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    with app.app_context():
        add_batch(poll_id, now=utcnow(), results=[failing_eggs(poll_id, place="县城某超市")])
        sampling.publish(poll_id=poll_id, by="tester", now=utcnow())
        db.session.commit()
        case = db.session.scalars(select(Disposal)).one()
        assert case.department_id == departments["便民服务中心"]
    center = logged_in(client, staff_factory(department="便民服务中心"))
    chengguan = logged_in(app.test_client(), staff_factory(department="城关市场监督管理所"))
    assert chengguan.get(f"/console/disposals/{case.id}").status_code == 404
    moved = center.post(f"/console/disposals/{case.id}/transfer",
                        data={"department_id": departments["城关市场监督管理所"]})
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/console/disposals/")
    assert center.get(f"/console/disposals/{case.id}").status_code == 404
    assert "鲜鸡蛋" in chengguan.get("/console/disposals/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "disposal.transfer"))


def test_the_public_results_page_shows_the_outcome_once_published(app, client, staff_factory, departments):
    """/articles/sampling lists published results; a 不合格 one says 正在办理 until its outcome is made public."""
    poll_id = make_poll(app, status=PollStatus.SAMPLING, allow_suggestion=False)
    clerk = staff_factory(department="城关市场监督管理所", username="public_clerk")
    with app.app_context():
        add_batch(poll_id, now=utcnow(), results=[failing_eggs(poll_id, sampled_on=utcnow().date())])
        assert "鲜鸡蛋" not in client.get("/articles/sampling").get_data(as_text=True)     # not yet published
        sampling.publish(poll_id=poll_id, by="tester", now=utcnow())
        db.session.commit()
        case_id = db.session.scalar(select(Disposal.id))
    page = client.get("/articles/sampling?q=鸡蛋")
    assert page.status_code == 200 and "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "鲜鸡蛋" in page.get_data(as_text=True) and "正在办理" in page.get_data(as_text=True)
    with app.app_context():
        person, today = db.session.get(Staff, clerk.id), utcnow().date()
        disposals.record_step(disposal_id=case_id, spec=disposals.StepSpec("close", today, "已下架销毁并罚款"),
                              by=person, now=utcnow())
        db.session.commit()
        assert "已下架销毁" not in client.get("/articles/sampling").get_data(as_text=True)   # closed, not public
        disposals.record_step(disposal_id=case_id, spec=disposals.StepSpec("disclose", today), by=person,
                              now=utcnow())
        db.session.commit()
    assert "核查处置：已下架销毁并罚款" in client.get("/articles/sampling").get_data(as_text=True)
