"""WeChat's side of the webhook: builds pushes, signs and (optionally) encrypts them exactly as WeChat does, posts
them, and reads the passive reply. Used by tests, benchmarks and the terminal chat.

    user = SimUser(HttpTransport("http://127.0.0.1:5000"), token=..., app_id=..., openid="o_demo")
    user.follow(); user.click("COMPLAINT"); user.say("同意")

Every action is also reported to the fake API server (when one is given) so it opens the right service window.
"""
from __future__ import annotations

import hashlib
import itertools
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

ACCOUNT = "gh_sim0000000315"
_msg_ids = itertools.count(int(time.time() * 1000) * 1000 + random.randint(0, 999))


def sign(*parts: str) -> str:
    """sha1 over the sorted parts: WeChat's `signature` (3 parts) and `msg_signature` (4 parts)."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def to_xml(fields: dict[str, Any]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "".join(f"<{k}>{value(x)}</{k}>" for k, x in v.items())
        if isinstance(v, list):
            return "".join(value(x) for x in v)
        if isinstance(v, (int, float)):
            return str(v)
        return f"<![CDATA[{str(v).replace(']]>', ']]]]><![CDATA[>')}]]>"
    return "<xml>" + "".join(f"<{k}>{value(v)}</{k}>" for k, v in fields.items()) + "</xml>"


@dataclass
class Answer:
    """What the follower sees for one push: the passive reply, parsed."""

    status: int
    body: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.fields.get("Content") or "")

    @property
    def type(self) -> str:
        return str(self.fields.get("MsgType") or ("success" if self.body in {"", "success"} else ""))

    @property
    def articles(self) -> list[dict]:
        items = (self.fields.get("Articles") or {}).get("item") or []
        return items if isinstance(items, list) else [items]


Transport = Callable[[str, dict[str, str], bytes], tuple[int, str]]


def http_transport(base_url: str, session: requests.Session | None = None) -> Transport:
    http = session or requests.Session()

    def post(path: str, params: dict[str, str], body: bytes) -> tuple[int, str]:
        res = http.post(base_url.rstrip("/") + path, params=params, data=body, timeout=10,
                        headers={"Content-Type": "text/xml"})
        return res.status_code, res.text
    return post


class SimUser:
    """One follower as WeChat would present them to the webhook."""

    def __init__(self, transport: Transport, *, token: str, app_id: str, openid: str = "o_sim_user",
                 aes_key: str | None = None, mode: str = "plain", api_base: str | None = None,
                 account: str = ACCOUNT) -> None:
        if mode not in {"plain", "compat", "safe"}:
            raise ValueError("mode is plain, compat or safe")
        self.transport, self.token, self.app_id, self.openid = transport, token, app_id, openid
        self.mode, self.account, self.api_base = mode, account, api_base
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self._http = requests.Session()
        self._last_time = 0

    # --- what a user does ---------------------------------------------------------------------------------------
    def say(self, text: str) -> Answer:
        return self.push({"MsgType": "text", "Content": text}, action="message")

    def click(self, key: str) -> Answer:
        return self.event("CLICK", EventKey=key, action="click")

    def follow(self, scene: str | None = None) -> Answer:
        return self.event("subscribe", EventKey=f"qrscene_{scene}" if scene else "", action="subscribe")

    def unfollow(self) -> Answer:
        return self.event("unsubscribe", EventKey="", action="unsubscribe")

    def image(self, data: bytes = b"\xff\xd8\xff\xe0 sim jpeg") -> Answer:
        media_id = "SIMIMG_" + secrets.token_hex(6)
        return self.push({"MsgType": "image", "PicUrl": f"http://sim.invalid/{media_id}.jpg", "MediaId": media_id},
                         action="message", media={"media_id": media_id, "hex": data.hex()})

    def voice(self, recognition: str = "") -> Answer:
        return self.push({"MsgType": "voice", "MediaId": "SIMVOICE_" + secrets.token_hex(4), "Format": "amr",
                          "Recognition": recognition}, action="message")

    def location(self, lat: float, lng: float, label: str = "") -> Answer:
        return self.push({"MsgType": "location", "Location_X": lat, "Location_Y": lng, "Scale": 15,
                          "Label": label}, action="message")

    def event(self, event: str, *, action: str | None = None, **fields: Any) -> Answer:
        return self.push({"MsgType": "event", "Event": event, **fields}, action=action)

    def push(self, fields: dict[str, Any], *, action: str | None = None, msg_id: int | None = None,
             create_time: int | None = None, media: dict | None = None) -> Answer:
        """Build, sign and post one push; returns the parsed reply."""
        body, params = self.build(fields, msg_id=msg_id, create_time=create_time)
        if action:
            self.report(action, media=media)
        return self.post(body, params)

    # --- the wire -------------------------------------------------------------------------------------------------
    def build(self, fields: dict[str, Any], *, msg_id: int | None = None,
              create_time: int | None = None) -> tuple[bytes, dict[str, str]]:
        if create_time is None:
            # A person does not make two pushes in one second; WeChat dedups events on sender + CreateTime.
            create_time = self._last_time = max(int(time.time()), self._last_time + 1)
        message = {"ToUserName": self.account, "FromUserName": self.openid, "CreateTime": create_time, **fields}
        if message["MsgType"] != "event":
            message["MsgId"] = msg_id or next(_msg_ids)
        plain = to_xml(message)
        timestamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))
        params = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                  "openid": self.openid}
        if self.mode == "plain":
            return plain.encode(), params
        assert self.crypto is not None, "encrypted modes need aes_key"
        envelope = xmltodict.parse(self.crypto.encrypt_message(plain, nonce, timestamp))["xml"]
        encrypted = envelope["Encrypt"]
        params.update(encrypt_type="aes", msg_signature=sign(self.token, timestamp, nonce, encrypted))
        if self.mode == "safe":
            body = f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>" \
                   f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        else:  # compatible mode: plaintext fields and Encrypt side by side
            body = plain.replace("</xml>", f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        return body.encode(), params

    def post(self, body: bytes, params: dict[str, str]) -> Answer:
        status, text = self.transport("/wechat", params, body)
        return self.read(status, text)

    def read(self, status: int, text: str) -> Answer:
        if status != 200 or text in {"", "success"}:
            return Answer(status, text)
        fields = xmltodict.parse(text)["xml"]
        if "Encrypt" in fields:
            assert self.crypto is not None
            expected = sign(self.token, str(fields["TimeStamp"]), str(fields["Nonce"]), fields["Encrypt"])
            if expected != fields["MsgSignature"]:
                raise AssertionError("reply MsgSignature does not verify")
            fields = xmltodict.parse(self.crypto.decrypt_message(text, fields["MsgSignature"], str(fields["TimeStamp"]),
                                                                 str(fields["Nonce"])))["xml"]
        return Answer(status, text, dict(fields))

    def report(self, action: str, **extra: Any) -> None:
        """Tell the fake API server what the user did (opens service windows, follows, media)."""
        if not self.api_base:
            return
        payload = {"openid": self.openid, "action": action, **{k: v for k, v in extra.items() if v is not None}}
        self._http.post(f"{self.api_base}/sim/inbound", json=payload, timeout=5).raise_for_status()

    def inbox(self) -> list[dict]:
        """What the fake API delivered to this follower (customer-service, template, mass...)."""
        res = self._http.get(f"{self.api_base}/sim/inbox/{self.openid}", timeout=5)
        res.raise_for_status()
        return res.json()


def push_event(url: str, event: str, fields: dict[str, Any], *, token: str) -> None:
    """Post a server-originated event (MASSSENDJOBFINISH, TEMPLATESENDJOBFINISH) to a webhook URL, signed."""
    timestamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))
    body = to_xml({"ToUserName": ACCOUNT, "FromUserName": "o_system", "CreateTime": int(time.time()),
                   "MsgType": "event", "Event": event, **fields})
    params = {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    try:
        requests.post(url, params=params, data=body.encode(), timeout=5)
    except requests.RequestException:
        pass  # a callback that cannot be delivered is what WeChat does too: nothing retried

