"""转为投诉: staff turn a conversation into a complaint; nothing is filed until the consumer says 同意 and 确认."""
from __future__ import annotations

from extensions import db
from models.case_event import CaseEvent
from models.complaint import Case
from tests.support.inbox import on_duty_now, thread_rows, version_on

FIELDS = {"business_name": "好又多超市", "business_address": "城关镇人民路88号", "story": "买到过期牛奶，商家拒绝退款",
          "wish": "退款", "name": "张三", "phone": "13812345678", "amount": "58.5"}


def test_convert_files_nothing_until_the_consumer_confirms(app, wechat, sim, client, staff_factory, logged_in,
                                                           departments):
    """The follower gets the prefilled summary; 确认 before 同意 files nothing; 同意 then 确认 files one linked case."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    wechat.say("人工")
    wechat.say("超市卖过期牛奶不给退")
    thread, _ = thread_rows(app)
    user = logged_in(client, admin)
    page = user.get(f"/console/messages/{thread['id']}")
    res = user.post(f"/console/messages/{thread['id']}/convert", {**FIELDS, "version": version_on(page.text)})
    assert res.status_code == 302
    sent = [m["body"]["content"] for m in sim.inbox("o_consumer_1") if m["kind"] == "custom:text"]
    assert "好又多超市" in sent[-1] and "同意请回复“同意”" in sent[-1]
    with app.app_context():
        assert db.session.query(Case).count() == 0

    assert "请先阅读上面的个人信息告知" in wechat.say("确认").text
    with app.app_context():
        assert db.session.query(Case).count() == 0
    assert "确认无误请回复“确认”" in wechat.say("同意").text
    with app.app_context():
        assert db.session.query(Case).count() == 0
    filed = wechat.say("确认")
    assert "已提交投诉，编号" in filed.text
    with app.app_context():
        case = db.session.query(Case).one()
        assert (case.business_name, case.phone, case.openid) == ("好又多超市", "13812345678", "o_consumer_1")
        assert any(f"#{thread['id']}" in e.text for e in db.session.query(CaseEvent).filter_by(case_id=case.id))
        number = case.number
    _, rows = thread_rows(app)
    assert ("system", f"消费者确认，已转为投诉 {number}", None) in rows
    assert number in user.get(f"/console/messages/{thread['id']}").text


def test_convert_needs_valid_fields(app, wechat, client, staff_factory, logged_in):
    """A bad phone number is refused on the thread page and nothing is sent."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    wechat.say("人工")
    thread, _ = thread_rows(app)
    user = logged_in(client, admin)
    page = user.get(f"/console/messages/{thread['id']}")
    res = user.post(f"/console/messages/{thread['id']}/convert",
                    {**FIELDS, "phone": "123", "version": version_on(page.text)})
    assert res.status_code == 422 and "电话" in res.text
    from models.inbox import Thread
    with app.app_context():
        assert db.session.get(Thread, thread["id"]).draft is None
        assert db.session.query(Case).count() == 0
