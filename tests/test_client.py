"""The outbound client against the sim: one token for all processes, capped retries, WeChat errors mapped."""
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib
import requests
from wechatpy.exceptions import WeChatClientException

from bot.client import WeChatAPI, WeChatSender
from extensions import redis
from services import MaybeSent, NotFollowing, NotSent, OutsideWindow, QuotaExhausted, TransientError


def _api(app, sim, store=None):
    return WeChatAPI(app_id=app.config["WECHAT_APP_ID"], secret="s", api_base=sim.url, redis=store or redis,
                     backoff=0)


def _token_in_subprocess(redis_url: str, api_base: str, app_id: str, out) -> None:
    api = WeChatAPI(app_id=app_id, secret="s", api_base=api_base,
                    redis=redis_lib.Redis.from_url(redis_url, decode_responses=True))
    out.put(api.access_token)


def test_token_fetched_once_by_several_processes(app, sim):
    """Several processes (threads on the embedded store) asking for a token at once cause exactly one fetch."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:   # real Redis: real processes
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        procs = [ctx.Process(target=_token_in_subprocess, args=(redis_url, sim.url, app.config["WECHAT_APP_ID"], out))
                 for _ in range(4)]
        for p in procs:
            p.start()
        tokens = {out.get(timeout=30) for _ in procs}
        for p in procs:
            p.join(timeout=30)
    else:           # fakeredis lives in one process: the same lock code, raced by threads
        with app.app_context():
            store = redis.client
        with ThreadPoolExecutor(8) as pool:
            tokens = set(pool.map(lambda _: _api(app, sim, store).access_token, range(8)))
    assert len(tokens) == 1
    assert sim.state.calls["token"] == 1


def test_invalid_token_refreshes_once_and_retries(app, sim):
    """On 40001 the client refreshes the token once and retries once; a second 40001 is raised, not looped."""
    with app.app_context():
        api = _api(app, sim)
        sim.configure(followers=["o_1"], fail={"menu/get": [40001]})
        with pytest.raises(WeChatClientException) as after_retry:
            api.get("menu/get")                     # 46003 menu no exist after the retry: the retry happened
        assert after_retry.value.errcode == 46003
        assert sim.state.calls["token"] == 2        # the first token, then one refresh
        sim.configure(fail={"menu/get": [40001, 40001, 40001]})
        with pytest.raises(WeChatClientException) as err:
            api.get("menu/get")
        assert err.value.errcode == 40001
        assert sim.state.calls["token"] == 3        # capped: one more refresh, not a loop


def test_busy_is_retried_with_backoff(app, sim):
    """A -1 (system busy) answer is retried and the call then succeeds."""
    with app.app_context():
        sender = WeChatSender(_api(app, sim))
        requests.post(f"{sim.url}/sim/inbound", json={"openid": "o_1", "action": "message"}, timeout=5)
        sim.configure(fail={"message/custom/send": [-1, -1]})
        sender.text("o_1", "你好")
        assert [m["body"]["content"] for m in sim.inbox("o_1")] == ["你好"]


def test_errors_are_mapped_to_our_exceptions(app, sim):
    """45015, 43004, 45047 and 45009 become OutsideWindow, NotFollowing, QuotaExhausted and TransientError types."""
    with app.app_context():
        sender = WeChatSender(_api(app, sim))
        with pytest.raises(NotFollowing):
            sender.text("o_stranger", "hi")
        sim.configure(followers=["o_quiet"])
        with pytest.raises(OutsideWindow):
            sender.text("o_quiet", "hi")
        sim.configure(fail={"message/custom/send": [45009]})
        with pytest.raises(QuotaExhausted):
            sender.text("o_quiet", "hi")
        sim.configure(fail={"message/custom/send": [-1, -1, -1]})
        with pytest.raises(TransientError):
            sender.text("o_quiet", "hi")


def test_menu_push_creates_contract_menu(runner, sim):
    """`flask menu push` creates the contract's three menus with their CLICK keys."""
    result = runner.invoke(args=["menu", "push"])
    assert result.exit_code == 0, result.output
    keys = {b["key"] for top in sim.state.menu["button"] for b in top["sub_button"]}
    assert keys == {"QA", "COMPLAINT", "REPORT", "MY_CASES", "POLL", "RESULTS", "WARNINGS", "CASES", "CONTACT"}


def test_menu_push_reports_failure_in_one_line(runner, sim):
    """A refused menu push exits non-zero with a one-line reason."""
    sim.configure(fail={"menu/create": [48001]})
    result = runner.invoke(args=["menu", "push"])
    assert result.exit_code != 0 and "menu push failed" in result.output


def test_unreachable_api_is_a_transient_error(app):
    """A call that cannot reach WeChat raises TransientError (retried later with backoff), not MaybeSent: nothing
    left, so resending it cannot double it."""
    import socket

    from services import keys

    with socket.socket() as closed:              # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with app.app_context():
        api = WeChatAPI(app_id=app.config["WECHAT_APP_ID"], secret="s", api_base=f"http://127.0.0.1:{port}",
                        redis=redis, backoff=0)
        redis.set(keys.access_token(app.config["WECHAT_APP_ID"]), "SOMETOKEN")
        with pytest.raises(TransientError) as raised:
            WeChatSender(api).template("o_1", template_id="TPL", data={"title": "t"})
        assert not isinstance(raised.value, (MaybeSent, NotSent))


def test_a_request_without_an_answer_is_maybe_sent(app):
    """A request that reached the server but got no answer in time raises MaybeSent, never NotSent: WeChat may
    have delivered it, so one-by-one delivery must not send it again."""
    import socket

    from services import keys

    with socket.socket() as silent:              # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with app.app_context():
            api = WeChatAPI(app_id=app.config["WECHAT_APP_ID"], secret="s", timeout=0.2,
                            api_base=f"http://127.0.0.1:{silent.getsockname()[1]}", redis=redis, backoff=0)
            redis.set(keys.access_token(app.config["WECHAT_APP_ID"]), "SOMETOKEN")
            with pytest.raises(MaybeSent):
                WeChatSender(api).template("o_1", template_id="TPL", data={"title": "t"})
