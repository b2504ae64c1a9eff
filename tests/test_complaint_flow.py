"""Handling a case: every allowed status transition and every illegal one, who may act and see what, and the notice
to the consumer inside and outside WeChat's 48-hour window (against the sim)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models import AuditEvent, CaseReview, DeliveryAttempt, Staff
from models.complaint import Case, Kind, Status
from services import Conflict, Invalid, NotFound, PermissionDenied, case_access, case_actions, case_flow
from services.clock import utcnow
from tests.support.complaints import file_case, make_office

ALL_PAIRS = [(kind, src, dst) for kind in Kind for src in Status for dst in Status if src != dst]


def test_each_transition_is_allowed_or_refused_by_the_table(app):
    """Every pair of statuses of both kinds: a transition in ALLOWED happens; any other is refused in Chinese."""
    with app.app_context():
        done = refused = 0
        for kind, src, dst in ALL_PAIRS:
            case = file_case(now=utcnow(), kind=kind)
            case.status = src
            case.paused_at = utcnow() if src == Status.PAUSED else None
            if dst in case_flow.ALLOWED[kind].get(src, set()):
                case_flow.move(case, dst, now=utcnow(), actor=None, text="t")
                assert case.status == dst, (kind, src, dst)
                done += 1
            else:
                with pytest.raises(Conflict) as error:
                    case_flow.move(case, dst, now=utcnow(), actor=None)
                assert "不能改为" in error.value.message and case.status == src, (kind, src, dst)
                refused += 1
            db.session.commit()
        assert done == 11 and refused == len(ALL_PAIRS) - 11


def test_statutory_reasons_and_outcomes_are_required(app, sim):
    """Rejection needs a listed statutory reason; 终止 needs a reason; the consumer is told the reason."""
    with app.app_context():
        office = make_office(utcnow())
        sender = app.extensions["outbound"].sender
        case = file_case(now=utcnow())
        with pytest.raises(Invalid) as bad:
            case_actions.reject_and_notify(case_id=case.id, reason="看着不顺眼", by=office.chengguan, now=utcnow(), sender=sender)
        assert bad.value.field == "reason"
        case_actions.reject_and_notify(case_id=case.id, reason=case_actions.REJECT_REASONS[3], by=office.chengguan,
                                       now=utcnow(), sender=sender)
        assert case.status == Status.REJECTED and case.closed_at is not None
        other = file_case(now=utcnow())
        case_actions.accept_and_notify(case_id=other.id, by=office.chengguan, now=utcnow(), sender=sender)
        with pytest.raises(Invalid) as missing:
            case_actions.close_and_notify(case_id=other.id, outcome="终止", reason="", by=office.chengguan, now=utcnow(),
                                          sender=sender)
        assert missing.value.field == "reason"
        case_actions.close_and_notify(case_id=other.id, outcome="调解成功", reason="", by=office.chengguan, now=utcnow(),
                                      sender=sender)
        assert other.status == Status.CLOSED and other.outcome == "调解成功"
        actions = {e.action for e in db.session.query(AuditEvent)}
        assert {"complaint.reject", "complaint.accept", "complaint.close"} <= actions


def test_staff_of_another_department_and_viewers_cannot_act(app, sim):
    """Only the case's department and admins act; another department's staff and viewers are refused."""
    with app.app_context():
        office = make_office(utcnow())
        sender = app.extensions["outbound"].sender
        case = file_case(now=utcnow())                       # 城关镇 → 城关市场监督管理所
        for outsider, refusal in ((office.xinhua, NotFound), (office.viewer, PermissionDenied)):
            with pytest.raises(refusal):
                case_actions.accept_and_notify(case_id=case.id, by=outsider, now=utcnow(), sender=sender)
            with pytest.raises(refusal):
                case_actions.note(case_id=case.id, text="x", by=outsider, now=utcnow())
        assert case.status == Status.SUBMITTED
        assert not case_access.can_read(office.xinhua, case) and case_access.can_read(office.viewer, case)
        case_actions.assign(case_id=case.id, department_id=office.chengguan.department_id,
                            assignee_id=office.chengguan.id, by=office.admin, now=utcnow())
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=utcnow(), sender=sender)
        assert case.status == Status.ACCEPTED and case.assignee_id == office.chengguan.id


def test_personal_data_is_full_only_for_the_department_and_admins(app):
    """The 投诉人's name and phone are masked for viewers; a 举报人 is hidden from everyone but admins."""
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        assert case_access.person(office.chengguan, case)["phone"] == "13812345678"
        assert case_access.person(office.admin, case)["name"] == "张三"
        assert case_access.person(office.viewer, case) == {"name": "张*", "phone": "138****5678",
                                                           "openid": "o_co…er_1"}
        report = file_case(now=utcnow(), kind=Kind.REPORT)
        assert case_access.person(office.chengguan, report)["name"] == case_access.REPORTER_HIDDEN
        assert case_access.person(office.chengguan, report)["phone"] == ""
        assert case_access.person(office.admin, report)["phone"] == "13812345678"


def test_status_notice_inside_the_window_is_a_customer_service_message(app, wechat, sim):
    """A follower who wrote recently gets the acceptance notice as a customer-service message, and it is recorded."""
    wechat.say("你好")                                         # opens the 48-hour window in the sim and the DB
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=utcnow(),
                                       sender=app.extensions["outbound"].sender)
        number = case.number
        attempt = db.session.query(DeliveryAttempt).filter(DeliveryAttempt.source.like(f"case:{number}%")).one()
        assert attempt.channel == "custom" and attempt.ok
    texts = [m["body"].get("content", "") for m in sim.inbox("o_consumer_1") if m["kind"] == "custom:text"]
    assert any(number in t and "已受理" in t for t in texts)


def test_status_notice_outside_the_window_uses_the_template(make_app, sim, consumer):
    """49 hours after the last message, the notice goes out as the configured template message."""
    app = make_app(WECHAT_TEMPLATE_CASE_STATUS="TPL_CASE_STATUS")
    user = consumer("o_consumer_1")
    user.say("你好")
    sim.configure(advance_seconds=49 * 3600)
    later = utcnow() + timedelta(hours=49)
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=later,
                                       sender=app.extensions["outbound"].sender)
        channels = [a.channel for a in db.session.query(DeliveryAttempt).order_by(DeliveryAttempt.id)]
        assert channels == ["template"]
        number = case.number
    templates = [m for m in sim.inbox("o_consumer_1") if m["kind"] == "template"]
    assert templates and templates[0]["template_id"] == "TPL_CASE_STATUS"
    assert templates[0]["data"]["keyword1"]["value"] == number


def test_status_notice_without_window_or_template_is_shown_at_the_next_message(app, wechat, sim):
    """With no window and no template, the notice waits and is shown with the follower's next reply."""
    wechat.say("你好")
    sim.configure(advance_seconds=49 * 3600)
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=utcnow() + timedelta(hours=49),
                                       sender=app.extensions["outbound"].sender)
        db.session.commit()                 # the test is the edge: it commits the recorded attempt
        channels = [a.channel for a in db.session.query(DeliveryAttempt).order_by(DeliveryAttempt.id)]
        assert channels == ["deferred"]
        number = case.number
    answer = wechat.say("查询")
    assert f"您的投诉（编号 {number}）已受理" in answer.text


def test_poor_rating_opens_a_review_for_the_head(app, wechat, sim):
    """After closing, 评价 2 (不满意) with a comment is recorded and opens a 复核 the department head concludes."""
    wechat.say("你好")
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        sender = app.extensions["outbound"].sender
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=utcnow(), sender=sender)
        case_actions.close_and_notify(case_id=case.id, outcome="调解不成", reason="商家拒绝", by=office.chengguan,
                                      now=utcnow(), sender=sender)
        case_id, staff_id, head_id = case.id, office.chengguan.id, office.head.id
    assert "打分" in wechat.say("评价").text
    assert "意见" in wechat.say("2").text
    assert "复核" in wechat.say("商家态度差").text
    with app.app_context():
        review = db.session.query(CaseReview).one()
        assert review.case_id == case_id and review.done_at is None
        with pytest.raises(PermissionDenied):
            case_actions.finish_review_and_notify(case_id=case_id, text="已核实", by=db.session.get(Staff, staff_id),
                                                  now=utcnow(), sender=sender)
        case_actions.finish_review_and_notify(case_id=case_id, text="已核实，约谈商家", by=db.session.get(Staff, head_id),
                                              now=utcnow(), sender=sender)
        assert db.session.query(CaseReview).one().done_at is not None
        assert db.session.get(Case, case_id).status == "closed"
    assert "没有待评价" in wechat.say("评价").text
    texts = [m["body"].get("content", "") for m in sim.inbox("o_consumer_1") if m["kind"] == "custom:text"]
    assert any("复核结果" in t and "已核实，约谈商家" in t for t in texts)


def test_review_can_reopen_the_case_and_tells_the_consumer(app, wechat, sim):
    """A head concluding a 复核 with 重新办理 takes the closed case back to mediation with a new date, and the
    consumer is told the conclusion and that it is being handled again."""
    wechat.say("你好")
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        sender = app.extensions["outbound"].sender
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=utcnow(), sender=sender)
        case_actions.close_and_notify(case_id=case.id, outcome="调解不成", reason="商家拒绝", by=office.chengguan,
                                      now=utcnow(), sender=sender)
        case_id, head_id = case.id, office.head.id
    wechat.say("评价")
    wechat.say("1")
    wechat.say("根本没人管")
    with app.app_context():
        case_actions.finish_review_and_notify(case_id=case_id, text="承办人未联系商家，重新调解", reopen=True,
                                              by=db.session.get(Staff, head_id), now=utcnow(),
                                              sender=app.extensions["outbound"].sender)
        case = db.session.get(Case, case_id)
        assert case.status == "accepted" and case.closed_at is None and case.outcome is None
        assert case.due_on is not None
    texts = [m["body"].get("content", "") for m in sim.inbox("o_consumer_1") if m["kind"] == "custom:text"]
    assert any("承办人未联系商家" in t and "重新办理" in t for t in texts)
    assert "调解中" in wechat.say("查询").text


def test_another_follower_cannot_see_or_withdraw_a_case(app, wechat, consumer):
    """查询 and 撤回 with someone else's number answer as if the number did not exist."""
    with app.app_context():
        number = file_case(now=utcnow(), openid="o_consumer_1").number
    other = consumer("o_other")
    assert "没有找到" in other.say(f"查询 {number}").text
    assert "还没有提交过" in other.say("查询").text
    assert "没有找到" in other.say(f"撤回 {number}").text
    mine = wechat.say(f"查询 {number}")
    assert number in mine.text and "待受理" in mine.text
    assert number in wechat.click("MY_CASES").text
    assert "确定要撤回案件" in wechat.say(f"撤回 {number}").text
    assert "已撤回" in wechat.say("确认撤回").text


def test_withdraw_asks_first_and_keeps_the_case_unless_confirmed(app, wechat):
    """撤回 + number asks for confirmation; any other answer keeps the case as it was."""
    with app.app_context():
        number = file_case(now=utcnow(), openid="o_consumer_1").number
    ask = wechat.say(f"撤回 {number}").text
    assert "确定要撤回案件" in ask and "确认撤回" in ask
    assert "没有撤回" in wechat.say("算了").text
    assert "待受理" in wechat.say(f"查询 {number}").text


def test_withdraw_explains_the_real_reason_it_cannot(app, wechat):
    """A second 撤回 says the case is already withdrawn; an accepted case says acceptance is why."""
    with app.app_context():
        first = file_case(now=utcnow(), openid="o_consumer_1").number
    wechat.say(f"撤回 {first}")
    wechat.say("确认撤回")
    again = wechat.say(f"撤回 {first}").text
    assert "已经撤回了" in again and "已受理" not in again
    with app.app_context():
        case = file_case(now=utcnow(), openid="o_consumer_1")
        case.status = Status.ACCEPTED
        db.session.commit()
        second = case.number
    assert "已经受理" in wechat.say(f"撤回 {second}").text


def test_status_notice_outside_the_window_uses_an_accepted_subscription(make_app, sim, consumer):
    """With no template but a subscription the follower accepted, the notice goes out as a subscription message."""
    app = make_app(WECHAT_SUBSCRIPTION_CASE_STATUS="SUB_CASE_STATUS")
    user = consumer("o_consumer_1")
    user.say("你好")
    user.report("accept_subscription", template_id="SUB_CASE_STATUS")
    sim.configure(advance_seconds=49 * 3600)
    with app.app_context():
        office = make_office(utcnow())
        case = file_case(now=utcnow())
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=utcnow() + timedelta(hours=49),
                                       sender=app.extensions["outbound"].sender)
        assert [a.channel for a in db.session.query(DeliveryAttempt)] == ["subscription"]
        number = case.number
    received = [m for m in sim.inbox("o_consumer_1") if m["kind"] == "subscription"]
    assert received and received[0]["data"]["character_string1"]["value"] == number


@pytest.mark.parametrize("ask, yes", [("撤回", "是的"), ("我要撤回投诉", "嗯")])
def test_withdrawing_the_only_open_case_in_plain_words(app, wechat, ask, yes):
    """With one case that can be withdrawn, "撤回" or "我要撤回投诉" asks about that case at once (the first had only
    listed it, the second got an unrelated answer), and "是的" or "嗯" is a yes (both had kept the case)."""
    with app.app_context():
        number = file_case(now=utcnow(), openid="o_consumer_1").number
    assert f"确定要撤回案件 {number}" in wechat.say(ask).text
    assert "已撤回" in wechat.say(yes).text
    with app.app_context():
        assert db.session.query(Case).filter_by(number=number).one().status == Status.WITHDRAWN


def test_withdrawing_one_of_several_open_cases_by_its_number_in_the_list(app, wechat):
    """With two open cases, "撤回" numbers them (newest first) and "2" asks about the older one; 确认撤回 withdraws
    only that one."""
    with app.app_context():
        older = file_case(now=utcnow() - timedelta(hours=1), openid="o_consumer_1").number
        newer = file_case(now=utcnow(), openid="o_consumer_1").number
    listing = wechat.say("撤回").text
    assert f"1. {newer}" in listing and f"2. {older}" in listing
    assert f"确定要撤回案件 {older}" in wechat.say("2").text
    assert "已撤回" in wechat.say("确认撤回").text
    with app.app_context():
        statuses = {c.number: c.status for c in db.session.query(Case)}
        assert statuses == {older: Status.WITHDRAWN, newer: Status.SUBMITTED}


@pytest.mark.parametrize("ask", ["查一下俺的投诉咋样了", "我的投诉有结果了吗"])
def test_asking_about_my_complaint_in_words_lists_my_cases(app, wechat, ask):
    """"查一下俺的投诉咋样了" shows the follower's own cases as 查询 does (it had got the how-to answer)."""
    with app.app_context():
        number = file_case(now=utcnow(), openid="o_consumer_1").number
    text = wechat.say(ask).text
    assert number in text and "待受理" in text
