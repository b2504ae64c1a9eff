"""WeChat re-sends: every inbound message has its effect once, and every delivery gets the identical reply."""
from concurrent.futures import ThreadPoolExecutor

import time

import requests

from extensions import redis
from sim.client import SimUser, http_transport
from tests.support.wechat import APP_ID, TOKEN, transport_for


def test_resent_message_gets_stored_reply_and_no_second_effect(wechat, example_feature, app):
    """Re-posting the same MsgId returns the first reply and does not run the handler again."""
    body, params = wechat.build({"MsgType": "text", "Content": "计数"})
    first, second = wechat.post(body, params), wechat.post(body, params)
    assert first.text == second.text == "第1次"
    with app.app_context():
        assert redis.get("test:effects") == "1"


def test_four_concurrent_deliveries_one_effect_identical_replies(live_app, example_feature, app):
    """Four deliveries of one message racing each other produce one effect and four identical replies."""
    user = SimUser(http_transport(live_app), token=TOKEN, app_id=APP_ID, openid="o_racer")
    body, params = user.build({"MsgType": "text", "Content": "计数"})

    def deliver(_):
        res = requests.post(f"{live_app}/wechat", params=params, data=body, timeout=10)
        return user.read(res.status_code, res.text)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(deliver, range(4)))
    assert {a.status for a in answers} == {200}
    assert [a.text for a in answers] == ["第1次"] * 4
    with app.app_context():
        assert redis.get("test:effects") == "1"


def test_distinct_messages_each_have_their_effect(wechat, example_feature, app):
    """Different MsgIds from the same follower are each handled (dedup is per message, not per follower)."""
    assert [wechat.say("计数").text for _ in range(3)] == ["第1次", "第2次", "第3次"]


def test_events_dedup_on_sender_and_create_time(wechat, app):
    """A re-sent event (same FromUserName + CreateTime) is answered from the store."""
    body, params = wechat.build({"MsgType": "event", "Event": "CLICK", "EventKey": "CONTACT"}, create_time=1700000000)
    assert wechat.post(body, params).text == wechat.post(body, params).text


def test_redis_script_cache_emptied_by_a_restart_is_reloaded(wechat, example_feature, app):
    """After Redis forgets its Lua scripts (as on a restart), messages are still answered once and re-sends deduped."""
    with app.app_context():
        redis.script_flush()
    body, params = wechat.build({"MsgType": "text", "Content": "计数"})
    first = wechat.post(body, params)
    with app.app_context():
        redis.script_flush()
    second = wechat.post(body, params)
    assert first.text == second.text == "第1次"
    with app.app_context():
        assert redis.get("test:effects") == "1"


def test_a_held_follower_lock_is_not_taken_over(wechat, example_feature, app, monkeypatch, sim):
    """While another delivery holds the follower's lock for good, the push gets `success`, has no effect, and the
    consumer is asked by customer-service message to send again (never a silent drop)."""
    from bot import late, router
    from services import keys
    with app.app_context():
        redis.set(keys.follower_lock(wechat.openid), "someone-else", px=60_000)
    monkeypatch.setattr(router, "LOCK_WAIT_SECONDS", 0.0)
    monkeypatch.setattr(late, "LOCK_WAIT_LATER", 0.0)
    response = wechat.say("计数")
    assert (response.status, response.type) == (200, "success")
    with app.app_context():
        assert redis.get("test:effects") is None
        assert redis.get(keys.follower_lock(wechat.openid)) == "someone-else"
    assert [m["body"]["content"] for m in sim.inbox(wechat.openid)] == [late.NOT_HANDLED]


def test_a_busy_lock_answers_success_and_delivers_the_result_when_it_frees(wechat, example_feature, app,
                                                                        monkeypatch, sim):
    """A message that finds the follower's lock busy is answered `success` and, once the lock frees, handled once
    with its reply sent by customer-service message; WeChat's re-send then gets `success`, not a second reply."""
    from bot import router
    from services import keys
    with app.app_context():
        redis.set(keys.follower_lock(wechat.openid), "crashed-worker", px=1500)   # expires on its own, as a dead
    monkeypatch.setattr(router, "LOCK_WAIT_SECONDS", 0.0)                          # worker's lock does
    body, params = wechat.build({"MsgType": "text", "Content": "计数"})
    wechat.report("message")          # the consumer wrote: WeChat opens the 48-hour customer-service window
    first = wechat.post(body, params)
    assert (first.status, first.type) == (200, "success")
    app.extensions["outbound"].drain(timeout=15)
    assert [m["body"]["content"] for m in sim.inbox(wechat.openid)] == ["第1次"]
    again = wechat.post(body, params)
    assert (again.status, again.type) == (200, "success")
    with app.app_context():
        assert redis.get("test:effects") == "1"


def test_a_reply_finished_too_late_goes_by_customer_service_once(make_app, example_feature, sim):
    """A reply finished after WeChat's patience (WECHAT_LATE_AFTER) is answered `success` and sent by customer-service
    message; the re-send gets `success` too, so the consumer reads it exactly once."""
    app = make_app(WECHAT_LATE_AFTER=0)                  # every reply counts as late
    wechat = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_late", api_base=sim.url)
    body, params = wechat.build({"MsgType": "text", "Content": "计数"})
    wechat.report("message")
    answers = [wechat.post(body, params) for _ in range(3)]
    assert [(a.status, a.type) for a in answers] == [(200, "success")] * 3
    assert [m["body"]["content"] for m in sim.inbox(wechat.openid)] == ["第1次"]
    with app.app_context():
        assert redis.get("test:effects") == "1"


def test_a_push_that_queued_too_long_is_answered_at_once_and_handled_once_in_the_background(app, example_feature,
                                                                                          sim):
    """Overload: a push stamped by the front proxy (X-Request-Start) more than WECHAT_SHED_AFTER ago gets a short
    "稍后回复" at once; its real answer arrives once by customer-service message and its effect happens once."""
    wechat = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_queued", api_base=sim.url)
    wechat.report("message")
    body, params = wechat.build({"MsgType": "text", "Content": "计数"})
    client = app.test_client()
    queued_since = f"t={time.time() - 3:.3f}"                 # nginx's ${msec}: 3 s in its queue before we saw it
    res = client.post("/wechat", query_string=params, data=body, content_type="text/xml",
                      headers={"X-Request-Start": queued_since})
    app.extensions["outbound"].drain()
    assert "稍后" in wechat.read(res.status_code, res.get_data(as_text=True)).text
    assert [m["body"]["content"] for m in sim.inbox(wechat.openid)] == ["第1次"]
    fresh = wechat.say("计数")                                    # not queued: answered in the request as usual
    assert fresh.text == "第2次"
    with app.app_context():
        assert redis.get("test:effects") == "2"
