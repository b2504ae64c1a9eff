"""Inbound and outbound values of the conversation layer: `Incoming` (one parsed push) and `Reply`.

`parse(xml)` turns any WeChat push, plaintext already verified and decrypted, into one `Incoming`. Handlers see only
these values: no XML, no signatures, no Flask. wechatpy parses the standard types; the subscribe_msg_* events, which
wechatpy 1.8 leaves as `UnknownMessage`, are read from the raw fields.

Bad input is a ValueError (→ 400), never stored garbage: nesting deeper than MAX_DEPTH is refused before wechatpy
parses (deep XML exhausts Python's recursion limit inside it), an XML attribute never turns a field into a dict repr
(the element's text is taken), and coordinates must be finite and on the globe.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import wechatpy
from opencc import OpenCC
from xml.parsers import expat

# Passive text replies are limited to 2048 bytes (passive-reply doc); keep a margin for the XML envelope.
TEXT_LIMIT_BYTES = 2000
# One article for replies to user messages, up to 8 for events (passive-reply doc, since 2018-10-12).
ARTICLES_FOR_MESSAGES = 1
ARTICLES_FOR_EVENTS = 8
# The deepest push WeChat sends is 5 levels (xml/SendPicsInfo/PicList/item/PicMd5Sum); 3,000 levels under 64 KiB
# raised RecursionError (HTTP 500) before this limit.
MAX_DEPTH = 16
# A message typed on a traditional-character keyboard ("我要投訴", "網購的衣服能退嗎") is read in the Simplified
# Chinese that the keywords, forms and 维权问答 are written in; OpenCC's t2s tables leave simplified text as it is.
_SIMPLIFIED = OpenCC("t2s")


@dataclass(frozen=True)
class Incoming:
    """One push from WeChat. `type` is the MsgType; for events `event` is the lower-cased Event."""

    openid: str
    type: str
    create_time: int
    account: str = ""              # ToUserName, the account's gh_ id
    msg_id: int = 0
    event: str = ""
    text: str = ""                 # Content, or a voice message's Recognition
    key: str = ""                  # EventKey (menu key, scene with qrscene_ removed)
    media_id: str = ""
    pic_url: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""
    url: str = ""
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        # WeChat re-sends: dedup on MsgId; events have none, so FromUserName + CreateTime (push doc).
        if self.msg_id:
            return f"m:{self.msg_id}"
        # The event and its key are added so two different menu taps within one second stay distinct.
        return f"e:{self.openid}:{self.create_time}:{self.event}:{self.key}"

    @property
    def is_event(self) -> bool:
        return self.type == "event"

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())


@dataclass
class Article:
    title: str
    description: str = ""
    url: str = ""
    image: str = ""


@dataclass
class Reply:
    """What the account answers. Text is split by the transport when too long; extra parts go out as
    customer-service messages (`followups`). `silent` answers WeChat with `success` (no message shown)."""

    text: str = ""
    articles: list[Article] = field(default_factory=list)
    transfer: bool = False
    silent: bool = False
    followups: list[str] = field(default_factory=list)
    later: bool = False      # delivered by customer-service message (bot/late.py): re-sends answer `success`
    choices: list[str] = field(default_factory=list)   # a numbered list shown: the words 1..N stand for (bot/choices.py)

    @classmethod
    def of(cls, value: Reply | str | None) -> Reply:
        if isinstance(value, Reply):
            return value
        if not value:
            return cls(silent=True)
        return cls(text=value)

    def to_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies recursively, measurably slow on every webhook reply.
        return {"text": self.text, "articles": [vars(a).copy() for a in self.articles], "transfer": self.transfer,
                "silent": self.silent, "followups": list(self.followups), "later": self.later,
                "choices": list(self.choices)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        data = dict(data)
        data["articles"] = [Article(**a) for a in data.get("articles", [])]
        return cls(**data)


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Split `text` into parts of at most `limit` UTF-8 bytes, at sentence ends; never mid-sentence unless a
    single sentence is itself longer than the limit (then at a character boundary)."""
    if len(text.encode()) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s):
        while len(sentence.encode()) > limit:  # one enormous sentence: cut on characters
            head = sentence
            while len(head.encode()) > limit:
                head = head[: len(head) * 3 // 4]
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            sentence = sentence[len(head):]
        if len((current + sentence).encode()) > limit:
            parts.append(current)
            current = sentence
        else:
            current += sentence
    if current:
        parts.append(current)
    return [p.strip("\n") for p in parts if p.strip()]


def cdata_safe(text: str) -> str:
    """wechatpy writes text inside CDATA without escaping: split any `]]>` so the XML stays well-formed."""
    return text.replace("]]>", "]]]]><![CDATA[>")


_SUBSCRIBE_MSG_EVENTS = {
    "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
    "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
    "subscribe_msg_sent_event": "SubscribeMsgSentEvent",
}


def _as_list(value: Any) -> list[Any]:
    # xmltodict gives a dict for a single <List>, a list for several.
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_shape(xml: str | bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH and any entity declaration, in one streaming expat pass (no tree)."""
    parser = expat.ParserCreate()
    depth = 0

    def start(_name: str, _attrs: dict) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise ValueError("xml nested too deep")

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def entity(*_args: object) -> None:
        raise ValueError("entities are disabled")

    parser.StartElementHandler, parser.EndElementHandler, parser.EntityDeclHandler = start, end, entity
    parser.Parse(xml, True)


def _text(value: Any) -> str:
    """An element's text: `<Content a="1">x</Content>` is {'@a': '1', '#text': 'x'} in xmltodict, and a repeated
    element a list; either way the text, never a repr."""
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    if isinstance(value, dict):
        return _text(value.get("#text"))
    return "" if value is None else str(value)


# The full stop or exclamation mark WeChat's voice recognition puts at the end of what was said: "取消。" is 取消
# and "确认！" 确认. Question marks stay: they make a question. Typed text keeps its punctuation (a story's own).
_FINAL_STOP = re.compile(r"(?<=\S)[\s。．.！!～~]+$")


def _words(value: Any, *, spoken: bool = False) -> str:
    """What the follower wrote (or said, then without the final full stop), in simplified characters."""
    text = _SIMPLIFIED.convert(_text(value))
    return _FINAL_STOP.sub("", text) if spoken else text


def _coordinates(lat: Any, lng: Any) -> dict[str, float]:
    """Latitude and longitude as finite numbers on the globe; ValueError otherwise (nan, inf, 91°...)."""
    latitude, longitude = float(_text(lat) or 0), float(_text(lng) or 0)
    if not (math.isfinite(latitude) and math.isfinite(longitude)
            and -90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("coordinates out of range")
    return {"latitude": latitude, "longitude": longitude}


def parse(xml: str | bytes) -> Incoming:
    """Parse a verified, decrypted push. Raises ValueError / ExpatError / KeyError on malformed input."""
    check_shape(xml)
    msg = wechatpy.parse_message(xml)
    if msg is None:
        raise ValueError("empty body")
    raw: dict[str, Any] = dict(msg._data)  # wechatpy keeps the raw fields; needed for events it does not know
    if not raw.get("FromUserName") or not raw.get("MsgType"):
        raise ValueError("missing FromUserName or MsgType")
    base: dict[str, Any] = {
        "openid": _text(raw["FromUserName"]),
        "account": _text(raw.get("ToUserName")),
        "create_time": int(raw.get("CreateTime") or 0),
        "msg_id": int(raw.get("MsgId") or raw.get("MsgID") or 0) if raw.get("MsgType") != "event" else 0,
    }
    mtype = _text(raw["MsgType"]).lower()
    if mtype == "text":
        return Incoming(type="text", text=_words(raw.get("Content")), **base)
    if mtype == "voice":
        return Incoming(type="voice", text=_words(raw.get("Recognition"), spoken=True),
                        media_id=_text(raw.get("MediaId")), **base)
    if mtype == "image":
        return Incoming(type="image", media_id=_text(raw.get("MediaId")), pic_url=_text(raw.get("PicUrl")),
                        **base)
    if mtype in {"video", "shortvideo"}:
        return Incoming(type=mtype, media_id=_text(raw.get("MediaId")), **base)
    if mtype == "location":
        return Incoming(type="location", **_coordinates(raw["Location_X"], raw["Location_Y"]),
                        label=_text(raw.get("Label")), **base)
    if mtype == "link":
        return Incoming(type="link", url=_text(raw.get("Url")), title=_text(raw.get("Title")), **base)
    if mtype != "event":
        return Incoming(type="unknown", **base)
    return _parse_event(msg, raw, base)


def _parse_event(msg: Any, raw: dict[str, Any], base: dict[str, Any]) -> Incoming:
    event = _text(raw.get("Event")).lower()
    key = _text(raw.get("EventKey"))
    if event in {"subscribe", "subscribe_scan"}:
        # wechatpy rewrites a follow-by-QR into event "subscribe_scan" with the qrscene_ prefix already removed.
        scene = key[len("qrscene_"):] if key.startswith("qrscene_") else key
        return Incoming(type="event", event="subscribe", key=scene, **base)
    if event == "location":
        return Incoming(type="event", event="location", **_coordinates(raw.get("Latitude"), raw.get("Longitude")),
                        **base)
    if event == "location_select":
        info = raw.get("SendLocationInfo") or {}
        return Incoming(type="event", event=event, key=key,
                        **_coordinates(info.get("Location_X"), info.get("Location_Y")),
                        label=_text(info.get("Label")) or _text(info.get("Poiname")), **base)
    if event in {"templatesendjobfinish", "masssendjobfinish"}:
        extra = {k: raw.get(k) for k in ("MsgID", "Status", "TotalCount", "FilterCount", "SentCount", "ErrorCount")
                 if k in raw}
        return Incoming(type="event", event=event, extra=extra, **base)
    if event in _SUBSCRIBE_MSG_EVENTS:
        # wechatpy 1.8 does not parse these; the official doc once used the popup tag for change events.
        holder = raw.get(_SUBSCRIBE_MSG_EVENTS[event]) or next(
            (raw[t] for t in _SUBSCRIBE_MSG_EVENTS.values() if t in raw), {})
        items = _as_list((holder or {}).get("List"))
        return Incoming(type="event", event=event, extra={"items": [dict(i) for i in items if isinstance(i, dict)]},
                        **base)
    if event.startswith("scancode_"):
        info = raw.get("ScanCodeInfo") or {}
        return Incoming(type="event", event=event, key=key, text=_text(info.get("ScanResult")), **base)
    if event == "view":
        return Incoming(type="event", event=event, url=key, **base)
    # click, scan, unsubscribe, pic_* and anything newer
    return Incoming(type="event", event=event, key=key, **base)
