"""The webhook as WeChat sees it: verification, the three modes, every message and event type, and bad input."""
import random
import time

import pytest
from sqlalchemy import func, select, update

from extensions import db, redis
from models import Follower
from sim.client import SimUser, sign, to_xml
from tests.support.wechat import AES_KEY, APP_ID, TOKEN, transport_for


def _params(token=TOKEN, timestamp=None, nonce=None):
    """A correctly signed query for now (inside the timestamp window), with a fresh nonce."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(random.randint(10**8, 10**9))
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def _nothing_stored(app) -> bool:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Follower)) == 0 and redis.dbsize() == 0


def test_get_verification_returns_echostr(client):
    """WeChat's server-URL check gets echostr back verbatim when the signature matches."""
    res = client.get("/wechat", query_string={**_params(), "echostr": "4375120948345356249"})
    assert res.status_code == 200 and res.get_data(as_text=True) == "4375120948345356249"


def test_get_verification_with_bad_signature_is_403(client):
    """A URL check with a wrong signature is refused with 403 and no echostr."""
    res = client.get("/wechat", query_string={**_params(), "signature": "0" * 40, "echostr": "x"})
    assert res.status_code == 403 and "x" not in res.get_data(as_text=True)


@pytest.fixture
def aes_app(make_app):
    return make_app(WECHAT_AES_KEY=AES_KEY)


@pytest.fixture(params=["plain", "compat", "safe"])
def user(request, app, aes_app, sim):
    """The same follower in each of WeChat's three modes."""
    target = app if request.param == "plain" else aes_app
    return SimUser(transport_for(target), token=TOKEN, app_id=APP_ID, openid="o_modes", mode=request.param,
                   aes_key=AES_KEY, api_base=sim.url)


# Each message type and a phrase its reply must contain: every message a follower sends is answered in words.
MESSAGES = {
    "text": ({"MsgType": "text", "Content": "帮助"}, "投诉"),
    "image": ({"MsgType": "image", "PicUrl": "http://x.invalid/a.jpg", "MediaId": "m1"}, "收到您的图片"),
    "voice_with_recognition": ({"MsgType": "voice", "MediaId": "m2", "Format": "amr", "Recognition": "帮助"},
                               "投诉"),          # recognised speech is treated as typed text
    "voice_without_recognition": ({"MsgType": "voice", "MediaId": "m3", "Format": "amr"}, "语音没听清"),
    "video": ({"MsgType": "video", "MediaId": "m4", "ThumbMediaId": "t4"}, "收到您的视频"),
    "shortvideo": ({"MsgType": "shortvideo", "MediaId": "m5", "ThumbMediaId": "t5"}, "收到您的小视频"),
    "location": ({"MsgType": "location", "Location_X": 23.1, "Location_Y": 113.3, "Scale": 20, "Label": "城关镇"},
                 "收到您的位置（城关镇）"),
    "link": ({"MsgType": "link", "Title": "t", "Description": "d", "Url": "http://x.invalid"}, "收到您的链接"),
    "unknown_type": ({"MsgType": "hologram"}, "我可以帮您"),
}
EVENTS = {
    "subscribe": {"Event": "subscribe", "EventKey": ""},
    "subscribe_qrscene": {"Event": "subscribe", "EventKey": "qrscene_315", "Ticket": "TICKET"},
    "scan": {"Event": "SCAN", "EventKey": "315", "Ticket": "TICKET"},
    "location_event": {"Event": "LOCATION", "Latitude": 23.1, "Longitude": 113.3, "Precision": 119.4},
    "click": {"Event": "CLICK", "EventKey": "CONTACT"},
    "view": {"Event": "VIEW", "EventKey": "http://x.invalid/page"},
    "scancode_push": {"Event": "scancode_push", "EventKey": "k",
                      "ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "1"}},
    "scancode_waitmsg": {"Event": "scancode_waitmsg", "EventKey": "k",
                         "ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "1"}},
    "pic_sysphoto": {"Event": "pic_sysphoto", "EventKey": "k", "SendPicsInfo": {"Count": 1, "PicList": {
        "item": {"PicMd5Sum": "abc"}}}},
    "pic_photo_or_album": {"Event": "pic_photo_or_album", "EventKey": "k", "SendPicsInfo": {"Count": 0}},
    "pic_weixin": {"Event": "pic_weixin", "EventKey": "k", "SendPicsInfo": {"Count": 0}},
    "location_select": {"Event": "location_select", "EventKey": "k", "SendLocationInfo": {
        "Location_X": 23, "Location_Y": 113, "Scale": 15, "Label": "城关", "Poiname": ""}},
    "templatesendjobfinish": {"Event": "TEMPLATESENDJOBFINISH", "MsgID": 200163836, "Status": "success"},
    "masssendjobfinish": {"Event": "MASSSENDJOBFINISH", "MsgID": 1000001625, "Status": "send success",
                          "TotalCount": 100, "FilterCount": 80, "SentCount": 75, "ErrorCount": 5},
    "subscribe_msg_popup": {"Event": "subscribe_msg_popup_event", "SubscribeMsgPopupEvent": {"List": {
        "TemplateId": "tpl1", "SubscribeStatusString": "accept", "PopupScene": 2}}},
    "subscribe_msg_change": {"Event": "subscribe_msg_change_event", "SubscribeMsgChangeEvent": {"List": {
        "TemplateId": "tpl1", "SubscribeStatusString": "reject"}}},
    "subscribe_msg_sent": {"Event": "subscribe_msg_sent_event", "SubscribeMsgSentEvent": {"List": {
        "TemplateId": "tpl1", "MsgID": 1, "ErrorCode": 0, "ErrorStatus": "success"}}},
    "unknown_event": {"Event": "brand_new_event"},
    "unsubscribe": {"Event": "unsubscribe", "EventKey": ""},
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_type_is_answered_in_every_mode(user, name):
    """Each message type gets a 200 with a text reply saying what to do next, in plaintext, compatible and safe mode."""
    message, expected = MESSAGES[name]
    answer = user.push(message, action="message")
    assert answer.status == 200
    assert answer.type == "text" and expected in answer.text


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_every_event_type_gets_200_in_every_mode(user, name):
    """Each event type gets a 200: a reply where one makes sense, `success` otherwise, never an error."""
    answer = user.push({"MsgType": "event", **EVENTS[name]})
    assert answer.status == 200
    if name.startswith("subscribe") and "msg" not in name or name == "scan":
        assert answer.type == "text"
    if name == "click":
        assert "电话" in answer.text


def test_subscribe_with_scene_records_scene(app, wechat):
    """Following through a parametric QR code records the scene without the qrscene_ prefix."""
    wechat.follow(scene="market315")
    with app.app_context():
        follower = db.session.scalar(select(Follower))
        assert follower.scene == "market315" and follower.subscribed


def test_unsubscribe_marks_follower_gone(app, wechat):
    """Unfollowing marks the follower unsubscribed and clears their service window."""
    wechat.say("帮助")
    wechat.unfollow()
    with app.app_context():
        follower = db.session.scalar(select(Follower))
        assert not follower.subscribed and follower.last_inbound_at is None


def test_following_alone_does_not_open_the_48_hour_window(app, wechat):
    """A follow opens WeChat's window for one minute only, so the bot does not count it as 48 hours; a message does."""
    from services import followers
    from services.clock import utcnow
    wechat.follow()
    with app.app_context():
        assert not followers.in_service_window(followers.get(wechat.openid), utcnow())
    wechat.say("帮助")
    with app.app_context():
        db.session.expire_all()
        assert followers.in_service_window(followers.get(wechat.openid), utcnow())


def test_a_message_after_days_of_silence_reopens_the_service_window(app, wechat):
    """A known follower who writes again after three days (no freshness marker left) is back in the 48-hour window."""
    from datetime import timedelta

    from services import followers, keys
    from services.clock import utcnow
    wechat.say("帮助")
    with app.app_context():
        db.session.execute(update(Follower).values(last_inbound_at=utcnow() - timedelta(days=3)))
        db.session.commit()
        redis.delete(keys.follower_fresh(wechat.openid))
        assert not followers.in_service_window(followers.get(wechat.openid), utcnow())
    wechat.say("帮助")
    with app.app_context():
        db.session.expire_all()
        assert followers.in_service_window(followers.get(wechat.openid), utcnow())


def _post(client, params, body, **extra):
    return client.post("/wechat", query_string={**params, **extra}, data=body, content_type="text/xml")


GOOD_BODY = to_xml({"ToUserName": "gh_x", "FromUserName": "o_bad", "CreateTime": 1, "MsgType": "text",
                    "Content": "hi", "MsgId": 1}).encode()


@pytest.mark.parametrize("case,params,body,status", [
    ("missing signature", "unsigned", GOOD_BODY, 403),
    ("wrong signature", "wrong", GOOD_BODY, 403),
    ("malformed xml", "signed", b"<xml><ToUserName>", 400),
    ("not xml at all", "signed", b"hello", 400),
    ("doctype with entities", "signed",
     b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
     b"<xml><ToUserName>&lol2;</ToUserName></xml>", 400),
    ("external entity", "signed",
     b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content>'
     b"</xml>", 400),
    ("missing MsgType", "signed", b"<xml><FromUserName>o</FromUserName></xml>", 400),
    ("empty body", "signed", b"", 400),
    ("over 64 KiB", "signed", b"<xml>" + b"a" * (65 * 1024) + b"</xml>", 413),
])
def test_bad_input_is_refused_and_nothing_stored(app, client, case, params, body, status):
    """Bad signatures get 403, malformed XML and entities 400, oversize bodies 413 — and nothing is stored."""
    # Signed at run time: a query signed at collection time may be outside the timestamp window by now.
    query = {"unsigned": {}, "wrong": {**_params(), "signature": "f" * 40}, "signed": _params()}[params]
    res = _post(client, query, body)
    assert res.status_code == status, case
    assert _nothing_stored(app)


def test_aes_with_wrong_msg_signature_is_403(aes_app, sim):
    """In AES mode a body whose msg_signature does not verify is refused with 403, nothing stored."""
    user = SimUser(transport_for(aes_app), token=TOKEN, app_id=APP_ID, mode="safe", aes_key=AES_KEY)
    body, params = user.build({"MsgType": "text", "Content": "hi"})
    res = _post(aes_app.test_client(), {**params, "msg_signature": "0" * 40}, body)
    assert res.status_code == 403 and _nothing_stored(aes_app)


def test_aes_with_wrong_app_id_is_403(aes_app):
    """Ciphertext made for another AppID is refused with 403 (WeChat's ValidateAppid), nothing stored."""
    user = SimUser(transport_for(aes_app), token=TOKEN, app_id="wxSOMEONEELSE00000", mode="safe", aes_key=AES_KEY)
    answer = user.say("hi")
    assert answer.status == 403 and _nothing_stored(aes_app)


def test_aes_with_garbage_ciphertext_is_400(aes_app):
    """A correctly signed but undecryptable Encrypt field is a 400, nothing stored."""
    garbage = "bm90IGNpcGhlcnRleHQ="
    params = _params()
    params.update(encrypt_type="aes", msg_signature=sign(TOKEN, params["timestamp"], params["nonce"], garbage))
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()
    assert _post(aes_app.test_client(), params, body).status_code == 400
    assert _nothing_stored(aes_app)


def test_previous_aes_key_still_accepted_during_rotation(make_app, sim):
    """After rotating EncodingAESKey, pushes encrypted with the previous key are still accepted."""
    new_key = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
    app = make_app(WECHAT_AES_KEY=new_key, WECHAT_AES_KEY_PREVIOUS=AES_KEY)
    user = SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, mode="safe", aes_key=AES_KEY)
    answer = user.say("帮助")
    assert answer.status == 200 and "投诉" in answer.text


def test_reply_with_cdata_terminator_stays_well_formed(wechat, example_feature):
    """User text containing ]]> is echoed back in well-formed XML, intact."""
    answer = wechat.say("复读 a]]>b<c>&d")
    assert answer.status == 200
    assert answer.text == "你说：a]]>b<c>&d"


def test_long_answer_split_at_sentences_rest_by_customer_service(wechat, example_feature, sim):
    """A reply over WeChat's size limit is split at sentence ends; the rest arrives by customer-service message."""
    answer = wechat.say("长文")
    assert len(answer.text.encode()) <= 2048 and answer.text.endswith("。")
    rest = [m["body"]["content"] for m in sim.inbox("o_consumer_1") if m["kind"] == "custom:text"]
    assert rest and all(part.endswith("。") for part in rest)
    assert answer.text + "".join(rest) == "这是一句很长的话，用来测试分段。" * 200


def test_handler_exception_apologises_with_200(wechat, example_feature):
    """A handler that raises is logged; the consumer gets a short Chinese apology and WeChat a 200."""
    answer = wechat.say("出错")
    assert answer.status == 200 and "抱歉" in answer.text


def test_healthz_503_when_redis_down(make_app):
    """/healthz answers 503 and names the store that is down."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    res = app.test_client().get("/healthz")
    assert res.status_code == 503 and res.get_json()["redis"] == "down" and res.get_json()["db"] == "ok"


def test_stored_reply_round_trips_every_field():
    """The reply kept for WeChat's re-sends comes back identical, whatever fields a Reply has."""
    from dataclasses import fields

    from bot.messages import Article, Reply
    reply = Reply(text="正文", articles=[Article(title="标题", description="摘要", url="https://x", image="i")],
                  transfer=True, silent=True, followups=["后续"])
    assert set(reply.to_dict()) == {f.name for f in fields(Reply)}
    assert Reply.from_dict(reply.to_dict()) == reply
