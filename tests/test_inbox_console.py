"""人工值守 in the console and /api: filters and search, two staff replying at once, viewers masked and read-only,
every reply audited, the live poll's ETag, and the OpenAPI document."""
from __future__ import annotations

from datetime import timedelta

from extensions import db
from models import AuditEvent
from models.inbox import Thread
from services import inbox
from services.clock import utcnow
from tests.support.inbox import on_duty_now, staff_texts, thread_rows, version_on


def test_two_staff_replying_at_once_second_is_warned_and_nothing_is_sent_twice(app, wechat, sim, staff_factory,
                                                                               logged_in):
    """Both staff open the thread; the first reply goes out, the second is refused with a warning, unsent."""
    first, second = staff_factory(role="staff"), staff_factory(role="admin")
    on_duty_now(app, first.id)
    wechat.say("人工")
    thread, _ = thread_rows(app)
    one, two = logged_in(app.test_client(), first), logged_in(app.test_client(), second)
    seen_one = version_on(one.get(f"/console/messages/{thread['id']}").text)
    seen_two = version_on(two.get(f"/console/messages/{thread['id']}").text)
    assert one.post(f"/console/messages/{thread['id']}/reply", {"text": "我来处理", "version": seen_one}
                    ).status_code == 302
    res = two.post(f"/console/messages/{thread['id']}/reply", {"text": "我也来", "version": seen_two})
    assert res.status_code == 409 and "另一位工作人员刚刚处理了这个对话" in res.text and "我也来" in res.text
    assert staff_texts(sim) == ["【工作人员回复】我来处理"]


def test_two_staff_over_the_api_second_gets_409(app, wechat, sim, client, staff_factory, api_token):
    """The API names the version too: the second reply with a stale version is a 409 and is not sent."""
    person = staff_factory(role="staff")
    on_duty_now(app, person.id)
    wechat.say("人工")
    thread, _ = thread_rows(app)
    headers = {"Authorization": f"Bearer {api_token(person)}"}
    body = {"text": "请稍等", "version": thread["version"]}
    assert client.post(f"/api/messages/{thread['id']}/actions/reply", json=body, headers=headers).status_code == 200
    again = client.post(f"/api/messages/{thread['id']}/actions/reply", json=body, headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert staff_texts(sim) == ["【工作人员回复】请稍等"]


def test_viewer_sees_masked_data_and_cannot_reply(app, wechat, sim, client, staff_factory, logged_in, api_token):
    """A viewer reads the thread with the openid and phone numbers masked; replying is refused (403), nothing sent."""
    admin, viewer = staff_factory(role="admin"), staff_factory(role="viewer")
    on_duty_now(app, admin.id)
    wechat.say("人工")
    wechat.say("我的电话13812345678")
    thread, _ = thread_rows(app)
    user = logged_in(client, viewer)
    page = user.get(f"/console/messages/{thread['id']}")
    assert page.status_code == 200 and "13812345678" not in page.text and "o_consumer_1" not in page.text
    assert "只读账号不能回复" in page.text
    assert user.post(f"/console/messages/{thread['id']}/reply", {"text": "x", "version": "1"}).status_code == 403
    headers = {"Authorization": f"Bearer {api_token(viewer)}"}
    detail = app.test_client().get(f"/api/messages/{thread['id']}", headers=headers).json
    assert "13812345678" not in str(detail) and detail["thread"]["openid"] != "o_consumer_1"
    denied = app.test_client().post(f"/api/messages/{thread['id']}/actions/reply", headers=headers,
                                    json={"text": "x", "version": thread["version"]})
    assert denied.status_code == 403 and staff_texts(sim) == []


def test_every_reply_is_audited(app, wechat, client, staff_factory, logged_in):
    """Each reply leaves an audit event naming the staff member, the thread and the channel (not the text)."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    wechat.say("人工")
    thread, _ = thread_rows(app)
    user = logged_in(client, admin)
    for text in ("第一条回复", "第二条回复"):
        user.post(f"/console/messages/{thread['id']}/reply",
                  {"text": text, "version": version_on(user.get(f"/console/messages/{thread['id']}").text)})
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(action="inbox.reply").all()
        assert [(e.actor_id, e.object_id, e.after["channel"]) for e in events] == \
            [(admin.id, str(thread["id"]), "custom")] * 2
        assert all("回复" not in str(e.after) for e in events)


def test_filters_search_and_sla(app, consumer, client, staff_factory, logged_in, api_token):
    """mine / unassigned / waiting longest / out of SLA and search select the right threads, in the API too."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    for openid, text in (("o_a", "预付卡跑路"), ("o_b", "外卖吃坏肚子"), ("o_c", "快递丢件")):
        consumer(openid).say("人工")
        consumer(openid).say(text)
    with app.app_context():
        rows = {t.openid: t for t in db.session.query(Thread)}
        rows["o_b"].waiting_since = utcnow() - timedelta(minutes=inbox.settings().sla_minutes + 5)
        rows["o_a"].assignee_id = admin.id
        db.session.commit()
    headers = {"Authorization": f"Bearer {api_token(admin)}"}

    def ids(**query):
        res = client.get("/api/messages/", query_string=query, headers=headers)
        assert res.status_code == 200, res.json
        return [t["preview"] for t in res.json["items"]]
    assert ids(view="mine") == ["预付卡跑路"]
    assert sorted(ids(view="unassigned")) == ["外卖吃坏肚子", "快递丢件"]
    assert ids(view="sla") == ["外卖吃坏肚子"]
    assert ids(view="longest")[0] == "外卖吃坏肚子"
    assert ids(q="快递") == ["快递丢件"]
    assert client.get("/api/messages/", query_string={"view": "nonsense"}, headers=headers).status_code == 422
    page = logged_in(app.test_client(), admin).get("/console/messages/?view=sla")
    assert "已超时" in page.text and "外卖吃坏肚子" in page.text and "快递丢件" not in page.text


def test_live_poll_answers_304_until_something_changes(app, consumer, client, staff_factory, logged_in):
    """live.json carries an ETag; the same ETag gets 304 until a new message arrives; the nav shows the count."""
    admin = staff_factory(role="admin")
    on_duty_now(app, admin.id)
    user = logged_in(client, admin)
    first = user.get("/console/messages/live.json")
    assert first.status_code == 200 and first.json["unread"] == 0
    etag = first.headers["ETag"]
    assert user.get("/console/messages/live.json", headers={"If-None-Match": etag}).status_code == 304
    consumer("o_new").say("人工")
    changed = user.get("/console/messages/live.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["unread"] == 1
    assert 'data-unread>1</span>' in user.get("/console/").text


def test_messages_api_is_in_the_openapi_document(client):
    """/api/messages and its actions are documented in /api/openapi.json."""
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"/api/messages/", "/api/messages/{thread_id}", "/api/messages/{thread_id}/actions/{action}",
            "/api/messages/duty"} <= set(paths)
