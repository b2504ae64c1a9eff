"""The sim enforces WeChat's rules our code must respect: service windows, mass quotas, one-off subscriptions."""
import requests


def _call(sim, path, body):
    token = requests.get(f"{sim.url}/cgi-bin/token", params={"grant_type": "client_credential", "appid": "a",
                                                               "secret": "s"}, timeout=5).json()["access_token"]
    return requests.post(f"{sim.url}/cgi-bin/{path}", params={"access_token": token}, json=body, timeout=5).json()


def _act(sim, openid, action, **extra):
    requests.post(f"{sim.url}/sim/inbound", json={"openid": openid, "action": action, **extra}, timeout=5)


def _text(openid):
    return {"touser": openid, "msgtype": "text", "text": {"content": "hi"}}


def test_user_message_opens_five_messages_for_48_hours(sim):
    """After a user message, 5 customer-service messages go through; the 6th is 45047."""
    _act(sim, "o_1", "message")
    codes = [_call(sim, "message/custom/send", _text("o_1"))["errcode"] for _ in range(6)]
    assert codes == [0, 0, 0, 0, 0, 45047]


def test_window_closes_after_48_hours(sim):
    """49 hours after the last user message a customer-service message gets 45015."""
    _act(sim, "o_1", "message")
    sim.configure(advance_seconds=49 * 3600)
    assert _call(sim, "message/custom/send", _text("o_1"))["errcode"] == 45015


def test_menu_click_opens_three_messages_for_a_minute(sim):
    """A menu click allows 3 messages within a minute, then the window is closed."""
    _act(sim, "o_1", "click")
    assert [_call(sim, "message/custom/send", _text("o_1"))["errcode"] for _ in range(4)] == [0, 0, 0, 45047]
    _act(sim, "o_2", "click")
    sim.configure(advance_seconds=61)
    assert _call(sim, "message/custom/send", _text("o_2"))["errcode"] == 45015


def test_non_follower_gets_43004(sim):
    """Messages to someone who never followed (or left) are refused with 43004."""
    assert _call(sim, "message/custom/send", _text("o_nobody"))["errcode"] == 43004
    _act(sim, "o_1", "message")
    _act(sim, "o_1", "unsubscribe")
    assert _call(sim, "message/custom/send", _text("o_1"))["errcode"] == 43004


def test_mass_quota_four_per_month_per_follower(sim):
    """A follower receives at most 4 mass messages a month; a send reaching nobody is 45028."""
    sim.configure(followers=["o_1", "o_2"])
    body = {"touser": ["o_1", "o_2"], "msgtype": "text", "text": {"content": "警示"}}
    assert [_call(sim, "message/mass/send", body)["errcode"] for _ in range(5)] == [0, 0, 0, 0, 45028]
    assert len(sim.inbox("o_1")) == 4
    sim.configure(advance_seconds=31 * 24 * 3600)
    assert _call(sim, "message/mass/send", body)["errcode"] == 0


def test_clientmsgid_dedups_mass_send(sim):
    """Re-sending a mass job with the same clientmsgid returns 45065 and the first msg_id, delivering nothing new."""
    sim.configure(followers=["o_1", "o_2"])
    body = {"touser": ["o_1", "o_2"], "msgtype": "text", "text": {"content": "x"}, "clientmsgid": "pub-1-batch-0"}
    first, again = _call(sim, "message/mass/send", body), _call(sim, "message/mass/send", body)
    assert first["errcode"] == 0 and again["errcode"] == 45065 and again["msg_id"] == first["msg_id"]
    assert len(sim.inbox("o_1")) == 1


def test_subscription_message_needs_an_accepted_subscription(sim):
    """bizsend works once per accepted one-off subscription, otherwise 43101."""
    body = {"touser": "o_1", "template_id": "tpl", "data": {"thing1": {"value": "x"}}}
    assert _call(sim, "message/subscribe/bizsend", body)["errcode"] == 43101
    _act(sim, "o_1", "accept_subscription", template_id="tpl")
    assert _call(sim, "message/subscribe/bizsend", body)["errcode"] == 0
    assert _call(sim, "message/subscribe/bizsend", body)["errcode"] == 43101


def test_injected_latency_and_errors(sim):
    """Error injection answers the queued codes in order, then behaves normally."""
    _act(sim, "o_1", "message")
    sim.configure(fail={"message/custom/send": [-1, 45009]})
    codes = [_call(sim, "message/custom/send", _text("o_1"))["errcode"] for _ in range(3)]
    assert codes == [-1, 45009, 0]


def test_inbox_counts_tell_how_many_followers_got_how_many(sim):
    """/sim/inbox-counts is the exactly-once check in one call: followers by number of messages, none included."""
    for openid in ("o_1", "o_2", "o_3"):
        _act(sim, openid, "message")
    for openid in ("o_1", "o_2", "o_2"):
        assert _call(sim, "message/custom/send", _text(openid))["errcode"] == 0
    assert requests.get(f"{sim.url}/sim/inbox-counts", timeout=5).json() == {"0": 1, "1": 1, "2": 1}


def test_keepalive_server_answers_many_calls_on_one_connection():
    """`serve_keepalive` (the benchmark's sim) keeps one TCP connection open across calls, as WeChat's API does,
    and keeps its state in one process."""
    import http.client
    import json
    import socket
    import subprocess
    import sys

    import config

    listener = socket.create_server(("127.0.0.1", 0))      # handed to the server: connecting works at once
    fd = listener.fileno()
    server = subprocess.Popen([sys.executable, "-c", f"from sim import serve_keepalive; serve_keepalive('fd://{fd}')"],
                              cwd=config.ROOT, pass_fds=[fd])
    try:
        conn = http.client.HTTPConnection(*listener.getsockname(), timeout=30)
        bodies, first = [], None
        for openid in ("o_a", "o_b", "o_c"):
            conn.request("POST", "/sim/config", body=json.dumps({"followers": [openid]}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            bodies.append(json.loads(response.read()))
            assert not response.will_close
            first = first or conn.sock.getsockname()
            assert conn.sock.getsockname() == first                 # the same connection throughout
        conn.request("GET", "/sim/stats")
        assert json.loads(conn.getresponse().read())["followers"] == 3
        assert bodies == [{"errcode": 0, "errmsg": "ok"}] * 3
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        listener.close()
