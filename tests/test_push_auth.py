"""Issue 12, items 2, 8 and 10: forged, replayed, stale and malformed pushes are refused and leave nothing behind."""
import random
import time

import pytest
from sqlalchemy import func, select

from extensions import db, redis
from models import Follower
from sim.client import SimUser, sign, to_xml
from tests.support.wechat import AES_KEY, APP_ID, TOKEN, transport_for


def _query(timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = str(random.randint(10**8, 10**9))
    return {"signature": sign(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce}


def _ballot(openid: str, content: str = "确认") -> bytes:
    return to_xml({"ToUserName": "gh_sim0000000315", "FromUserName": openid, "CreateTime": int(time.time()),
                   "MsgType": "text", "Content": content, "MsgId": random.randint(1, 10**12)}).encode()


def _post(app, params, body):
    return app.test_client().post("/wechat", query_string=params, data=body, content_type="text/xml")


def _followers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Follower))


@pytest.mark.parametrize("offset", [-15 * 365 * 86400, -301, 301])
def test_push_with_timestamp_outside_five_minutes_is_refused(app, offset):
    """A correctly signed push stamped more than 5 minutes from now (a 2010 query included) is 403; no follower."""
    res = _post(app, _query(int(time.time()) + offset), _ballot("o_forged"))
    assert res.status_code == 403
    assert _followers(app) == 0


def test_push_inside_the_window_is_answered(app):
    """A push stamped 4 minutes ago is still inside the window and answered."""
    res = _post(app, _query(int(time.time()) - 240), _ballot("o_late", "帮助"))
    assert res.status_code == 200 and "投诉" in res.get_data(as_text=True)


def test_a_signed_query_replayed_with_other_bodies_is_refused(app):
    """One captured query string cannot carry other messages: the second and third bodies get 403, no openid made."""
    params = _query()
    assert _post(app, params, _ballot("o_real", "帮助")).status_code == 200
    for forged in ("o_made_up_1", "o_made_up_2"):
        assert _post(app, params, _ballot(forged)).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Follower.openid)).all() == ["o_real"]


def test_wechat_resend_with_the_same_query_gets_the_stored_reply(wechat, example_feature, app):
    """WeChat's own re-send (same query, same body) passes the replay cache and is answered from the stored reply."""
    body, params = wechat.build({"MsgType": "text", "Content": "计数"})
    answers = [wechat.post(body, params) for _ in range(4)]
    assert [a.status for a in answers] == [200] * 4
    assert {a.text for a in answers} == {"第1次"}
    with app.app_context():
        assert redis.get("test:effects") == "1"


def test_plaintext_push_to_an_aes_account_is_refused(make_app, sim):
    """With an EncodingAESKey configured, a plaintext push (no encrypt_type) is 403 and creates nothing."""
    app = make_app(WECHAT_AES_KEY=AES_KEY)
    user = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_plain", mode="plain")
    assert user.say("帮助").status == 403
    assert _followers(app) == 0
    safe = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_safe", mode="safe", aes_key=AES_KEY)
    assert safe.say("帮助").status == 200


def test_plaintext_to_an_aes_account_only_with_the_compatibility_setting(make_app, sim):
    """WECHAT_ALLOW_PLAINTEXT=1 lets plaintext through while the account's mode is being switched."""
    app = make_app(WECHAT_AES_KEY=AES_KEY, WECHAT_ALLOW_PLAINTEXT="1")
    user = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_plain", mode="plain")
    assert user.say("帮助").status == 200


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_push_addressed_to_another_account_is_refused(make_app, sim, mode):
    """With WECHAT_ACCOUNT_ID set, a push whose ToUserName is another account is 403; its own account is answered."""
    app = make_app(WECHAT_AES_KEY=AES_KEY, WECHAT_ALLOW_PLAINTEXT="1", WECHAT_ACCOUNT_ID="gh_bureau0000315")
    stranger = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_x", mode=mode, aes_key=AES_KEY,
                       account="gh_someone_else")
    assert stranger.say("帮助").status == 403 and _followers(app) == 0
    ours = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_y", mode=mode, aes_key=AES_KEY,
                   account="gh_bureau0000315")
    assert ours.say("帮助").status == 200


def test_replay_cache_down_still_answers(make_app):
    """With Redis unreachable the replay cache is skipped: a fresh, signed push is still answered (degraded)."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    res = _post(app, _query(), _ballot("o_degraded", "帮助"))
    assert res.status_code == 200 and "投诉" in res.get_data(as_text=True)


def test_refusals_are_logged_without_query_or_openid(app):
    """A refused push logs its reason, never the signature, the query string or the sender's openid."""
    from structlog.testing import capture_logs
    params = _query(int(time.time()) - 3600)
    with capture_logs() as events:
        _post(app, params, _ballot("o_secret_openid"))
    assert {"event": "push refused", "reason": "timestamp outside window", "log_level": "info"} in events
    logged = repr(events)
    assert params["signature"] not in logged and params["nonce"] not in logged and "o_secret_openid" not in logged


def _message_xml(inner: str) -> bytes:
    return (f"<xml><ToUserName>gh_sim0000000315</ToUserName><FromUserName>o_bad_input</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>{inner}<MsgId>{random.randint(1, 10**12)}</MsgId>"
            "</xml>").encode()


def test_deeply_nested_xml_is_400_not_500(app):
    """XML nested 4,000 deep inside a valid, signed text message is refused with 400 (no RecursionError)."""
    deep = "<a>" * 4000 + "x" + "</a>" * 4000
    res = _post(app, _query(), _message_xml(f"<MsgType>text</MsgType><Content>{deep}</Content>"))
    assert res.status_code == 400 and _followers(app) == 0


@pytest.mark.parametrize("ciphertext", ["", "AAAA", "QUFBQUFBQUFBQUFBQUFBQQ==", "!!not base64!!"])
def test_any_decrypt_failure_is_400(make_app, ciphertext):
    """A correctly signed Encrypt that is empty, short, unpadded or not base64 is a 400, never a 500."""
    app = make_app(WECHAT_AES_KEY=AES_KEY)
    params = _query()
    params.update(encrypt_type="aes", msg_signature=sign(TOKEN, params["timestamp"], params["nonce"], ciphertext))
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>".encode()
    assert _post(app, params, body).status_code == 400
    assert _followers(app) == 0


def test_xml_attributes_never_become_a_dict_repr(app):
    """An attribute on Content is ignored: the element's text is what the bot reads (not "{'@lang': ...}")."""
    import xmltodict

    def content(inner: str) -> str:
        res = _post(app, _query(), _message_xml(f"<MsgType>text</MsgType>{inner}"))
        assert res.status_code == 200
        return xmltodict.parse(res.get_data(as_text=True))["xml"]["Content"]

    plain = content("<Content>帮助</Content>")
    assert content('<Content lang="zh">帮助</Content>') == plain
    assert content('<Content x="1"><![CDATA[帮助]]></Content>') == plain


@pytest.mark.parametrize("lat,lng", [("nan", "113.3"), ("23.1", "inf"), ("-inf", "0"), ("91", "113"),
                                     ("23", "181")])
def test_impossible_locations_are_refused(app, lat, lng):
    """A location message with nan, inf or off-globe coordinates is 400 and stores nothing."""
    inner = f"<MsgType>location</MsgType><Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y>" \
            "<Scale>15</Scale><Label>x</Label>"
    assert _post(app, _query(), _message_xml(inner)).status_code == 400
    assert _followers(app) == 0


def test_impossible_location_event_is_refused(app):
    """A LOCATION event reporting nan latitude is 400 too."""
    body = to_xml({"ToUserName": "gh_sim0000000315", "FromUserName": "o_ev", "CreateTime": int(time.time()),
                   "MsgType": "event", "Event": "LOCATION", "Latitude": "nan", "Longitude": "113",
                   "Precision": 1}).encode()
    assert _post(app, _query(), body).status_code == 400


def test_server_request_lines_carry_no_query_string(live_app, caplog):
    """The development server's request line for /wechat is logged without its query (signature, openid)."""
    import logging

    import requests
    server_log = logging.getLogger("werkzeug")
    was_disabled, server_log.disabled = server_log.disabled, False   # Alembic's fileConfig disables it in tests
    try:
        caplog.set_level(logging.INFO, logger="werkzeug")
        params = {**_query(), "openid": "o_private_openid"}
        requests.post(f"{live_app}/wechat", params=params, data=_ballot("o_private_openid", "帮助"), timeout=10)
    finally:
        server_log.disabled = was_disabled
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("POST /wechat" in line for line in lines)
    assert not any(params["signature"] in line or "o_private_openid" in line for line in lines)
