"""A fake WeChat API server: enough of api.weixin.qq.com that tests, benchmarks and demos never need the real one.

It enforces the rules our code must respect, from the fact sheet: the customer-service window (5 messages within
48 h of a user message; 3 within a minute of a menu tap, follow or scan), 43004 for non-followers, the mass-send
quota of 4 per follower per month with `clientmsgid` dedup (45065), one-off subscription notifications, and
configurable latency and error injection (-1, 45009). What each follower received is readable over HTTP:

    GET  /sim/inbox/<openid>      messages delivered to that follower
    GET  /sim/inbox-counts        {"k": how many followers received exactly k messages}, followers with none included
    POST /sim/inbound             the sim client reports a user action (opens windows, follows)
    POST /sim/config              {"latency_ms": 20, "fail": {"message/custom/send": [-1, 45009]}, "callback": url,
                                   "template_status": {openid: "failed:user block"}, "hold_reports": true,
                                   "hold_sends_after": 8}
    POST /sim/reports/release     post the held TEMPLATESENDJOBFINISH reports now (in order)
    With a callback set, every accepted mass send is reported by MASSSENDJOBFINISH and every template message by
    TEMPLATESENDJOBFINISH (`success` unless `template_status` names another outcome for that follower); with
    `hold_reports` the template reports wait until released (WeChat's come seconds after the send).
    POST /sim/sends/release       let held message sends through (`hold_sends_after`: sends past the first N wait)
    POST /sim/reset               forget everything
    GET  /sim/stats               call counts per endpoint (token fetches included)
    GET  /sim/phone               a phone-like chat page (sim/phone.py)
    GET  /sim/qrcode/<ticket>     the scene a parametric QR code (qrcode/create) carries, as a phone scanning it sees
"""
from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, jsonify, request

USER_WINDOW = (48 * 3600, 5)      # (seconds, messages) after a user message
EVENT_WINDOW = (60, 3)            # after a menu click, follow or scan
MASS_PER_MONTH = 4                # service account: each follower receives ≤4 mass messages a month
MONTH = 30 * 24 * 3600


@dataclass
class Window:
    opened: float
    seconds: int
    allowed: int
    used: int = 0


@dataclass
class SimState:
    token: str = ""
    previous_token: str = ""
    followers: set[str] = field(default_factory=set)
    windows: dict[str, list[Window]] = field(default_factory=lambda: defaultdict(list))
    inbox: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    mass_received: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    client_msg_ids: dict[str, int] = field(default_factory=dict)
    subscriptions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # openid → template ids
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    menu: dict | None = None
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    tags: dict[int, dict] = field(default_factory=dict)
    qrcodes: dict[str, dict] = field(default_factory=dict)   # ticket → {"scene", "expires_at"} (qrcode/create)
    latency_ms: int = 0
    fail: dict[str, list[int]] = field(default_factory=dict)
    callback: str | None = None
    callback_token: str = ""
    template_status: dict[str, str] = field(default_factory=dict)   # openid → TEMPLATESENDJOBFINISH Status
    hold_reports: bool = False
    held: list[tuple] = field(default_factory=list)                 # template reports waiting for release
    hold_sends_after: int | None = None    # message sends past this many wait until /sim/sends/release
    sends_seen: int = 0
    sends_held: int = 0
    sends_gate: threading.Event = field(default_factory=threading.Event)
    bot: dict | None = None             # where /sim/say posts: {"url", "token", "app_id", "aes_key"}
    clock_offset: float = 0.0           # tests move the sim's clock forward to close windows
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: Any = field(default_factory=lambda: itertools.count(1000))

    def now(self) -> float:
        return time.time() + self.clock_offset


SEND_PATHS = {"message/custom/send", "message/template/send", "message/subscribe/bizsend"}


def _err(code: int, msg: str):
    return jsonify({"errcode": code, "errmsg": msg})


def create_sim_app(state: SimState | None = None) -> Flask:
    app = Flask("sim")
    app.json.ensure_ascii = False
    from sim.phone import bp as phone
    app.register_blueprint(phone)
    st = state or SimState()
    app.config["SIM_STATE"] = st

    @app.before_request
    def _latency_and_injection():
        path = request.path.removeprefix("/cgi-bin/")
        if request.path.startswith("/sim/"):
            return None
        with st.lock:
            st.calls[path] += 1
            queued = st.fail.get(path)
            injected = queued.pop(0) if queued else None
            held = path in SEND_PATHS and st.hold_sends_after is not None and st.sends_seen >= st.hold_sends_after
            st.sends_seen += path in SEND_PATHS
            st.sends_held += held
            gate = st.sends_gate
        if held:        # a send "in flight" until the test releases it (to stop a sender at a known point)
            gate.wait(timeout=120)
        if st.latency_ms:
            time.sleep(st.latency_ms / 1000)
        if injected is not None:
            return _err(injected, "injected by sim")
        if path not in {"token", "stable_token"} and request.args.get("access_token") not in {
                t for t in (st.token, st.previous_token) if t}:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        return None

    # --- token ------------------------------------------------------------------------------------------------
    def _new_token() -> dict:
        with st.lock:
            st.previous_token, st.token = st.token, "SIMTOKEN_" + secrets.token_hex(16)
            return {"access_token": st.token, "expires_in": 7200}

    @app.get("/cgi-bin/token")
    def token():
        if request.args.get("grant_type") != "client_credential" or not request.args.get("appid"):
            return _err(40002, "invalid grant_type")
        return jsonify(_new_token())

    @app.post("/cgi-bin/stable_token")
    def stable_token():
        body = request.get_json(silent=True) or {}
        if st.token and not body.get("force_refresh"):
            return jsonify({"access_token": st.token, "expires_in": 7200})
        return jsonify(_new_token())

    # --- customer-service messages ----------------------------------------------------------------------------
    def _deliver(openid: str, kind: str, payload: dict) -> None:
        st.inbox[openid].append({"kind": kind, "at": st.now(), **payload})

    @app.post("/cgi-bin/message/custom/send")
    def custom_send():
        body = request.get_json(force=True, silent=True) or {}
        openid = body.get("touser", "")
        with st.lock:
            if openid not in st.followers:
                return _err(43004, "require subscribe")
            now = st.now()
            open_windows = [w for w in st.windows[openid] if now - w.opened < w.seconds]
            if not open_windows:
                return _err(45015, "response out of time limit or subscription is canceled")
            usable = [w for w in open_windows if w.used < w.allowed]
            if not usable:
                return _err(45047, "out of response count limit")
            usable[0].used += 1
            msgtype = body.get("msgtype", "text")
            _deliver(openid, f"custom:{msgtype}", {"body": body.get(msgtype, {})})
        return _err(0, "ok")

    # --- template and subscription messages -------------------------------------------------------------------
    @app.post("/cgi-bin/message/template/send")
    def template_send():
        body = request.get_json(force=True, silent=True) or {}
        openid = body.get("touser", "")
        with st.lock:
            if openid not in st.followers:
                return _err(43004, "require subscribe")
            if not body.get("template_id"):
                return _err(40037, "invalid template_id")
            msgid = next(st.ids)
            _deliver(openid, "template", {"template_id": body["template_id"], "data": body.get("data", {}),
                                          "url": body.get("url"), "msgid": msgid})
            status = st.template_status.get(openid, "success")
            if st.callback and st.hold_reports:
                st.held.append((openid, msgid, status))
        if st.callback and not st.hold_reports:
            threading.Thread(target=_template_finished, args=(st, openid, msgid, status), daemon=True).start()
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @app.post("/cgi-bin/message/subscribe/bizsend")
    def bizsend():
        body = request.get_json(force=True, silent=True) or {}
        openid, template_id = body.get("touser", ""), body.get("template_id", "")
        with st.lock:
            if template_id not in st.subscriptions[openid]:
                return _err(43101, "user refuse to accept the msg")
            st.subscriptions[openid].remove(template_id)   # a one-off subscription authorises one message
            _deliver(openid, "subscription", {"template_id": template_id, "data": body.get("data", {})})
        return _err(0, "ok")

    # --- mass send --------------------------------------------------------------------------------------------
    def _mass(openids: list[str], body: dict, preview: bool = False):
        client_msg_id = body.get("clientmsgid")
        with st.lock:
            if client_msg_id and len(client_msg_id.encode()) > 64:
                return _err(45067, "clientmsgid size out of limit")
            if client_msg_id and client_msg_id in st.client_msg_ids:
                return jsonify({"errcode": 45065, "errmsg": "clientmsgid exist",
                                "msg_id": st.client_msg_ids[client_msg_id]})
            now = st.now()
            msg_id = next(st.ids)
            sent = filtered = 0
            for openid in openids:
                recent = [t for t in st.mass_received[openid] if now - t < MONTH]
                if not preview and len(recent) >= MASS_PER_MONTH:
                    filtered += 1
                    continue
                if not preview:
                    recent.append(now)
                st.mass_received[openid] = recent
                msgtype = body.get("msgtype", "text")
                _deliver(openid, "mass" if not preview else "preview", {"body": body.get(msgtype, {}),
                                                                        "msg_id": msg_id})
                sent += 1
            if client_msg_id:
                st.client_msg_ids[client_msg_id] = msg_id
            if not preview and sent == 0 and openids:
                return _err(45028, "has no masssend quota")
        if not preview and st.callback:
            threading.Thread(target=_job_finished, args=(st, msg_id, len(openids), sent, filtered),
                             daemon=True).start()
        return jsonify({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id})

    @app.post("/cgi-bin/message/mass/sendall")
    def mass_sendall():
        body = request.get_json(force=True, silent=True) or {}
        flt = body.get("filter") or {}
        if flt.get("is_to_all"):
            targets = sorted(st.followers)
        elif "tag_id" in flt:
            targets = sorted(st.tags.get(int(flt["tag_id"]), {}).get("members", set()) & st.followers)
        else:
            return _err(40130, "invalid filter: tag_id or is_to_all required")
        return _mass(targets, body)

    @app.post("/cgi-bin/message/mass/send")
    def mass_send():
        body = request.get_json(force=True, silent=True) or {}
        touser = body.get("touser") or []
        if not isinstance(touser, list) or not 2 <= len(touser) <= 10000:
            return _err(40130, "invalid openid list size, at least two openid")
        return _mass([o for o in touser if o in st.followers], body)

    @app.post("/cgi-bin/message/mass/preview")
    def mass_preview():
        body = request.get_json(force=True, silent=True) or {}
        return _mass([body.get("touser", "")], body, preview=True)

    # --- menu, users, tags, media -----------------------------------------------------------------------------
    @app.post("/cgi-bin/menu/create")
    def menu_create():
        body = request.get_json(force=True, silent=True) or {}
        buttons = body.get("button") or []
        if not 1 <= len(buttons) <= 3 or any(len(b.get("sub_button", [])) > 5 for b in buttons):
            return _err(40016, "invalid button size")
        st.menu = body
        return _err(0, "ok")

    @app.get("/cgi-bin/menu/get")
    def menu_get():
        if st.menu is None:
            return _err(46003, "menu no exist")
        return jsonify({"menu": st.menu})

    @app.get("/cgi-bin/user/get")
    def user_get():
        ids = sorted(st.followers)
        start = ids.index(request.args["next_openid"]) + 1 if request.args.get("next_openid") in ids else 0
        page = ids[start:start + 10000]
        return jsonify({"total": len(ids), "count": len(page), "data": {"openid": page},
                        "next_openid": page[-1] if page else ""})

    @app.get("/cgi-bin/user/info")
    def user_info():
        openid = request.args.get("openid", "")
        if openid not in st.followers:
            return jsonify({"subscribe": 0, "openid": openid})
        tags = [tid for tid, t in st.tags.items() if openid in t["members"]]
        return jsonify({"subscribe": 1, "openid": openid, "language": "zh_CN", "tagid_list": tags})

    @app.post("/cgi-bin/tags/create")
    def tags_create():
        name = ((request.get_json(force=True, silent=True) or {}).get("tag") or {}).get("name", "")
        tag_id = 100 + len(st.tags)
        st.tags[tag_id] = {"name": name, "members": set()}
        return jsonify({"tag": {"id": tag_id, "name": name}})

    @app.get("/cgi-bin/tags/get")
    def tags_get():
        return jsonify({"tags": [{"id": i, "name": t["name"], "count": len(t["members"])}
                                 for i, t in st.tags.items()]})

    @app.post("/cgi-bin/tags/members/batchtagging")
    def tags_batch():
        body = request.get_json(force=True, silent=True) or {}
        if len(body.get("openid_list", [])) > 50:
            return _err(40032, "invalid openid list size")
        tag = st.tags.get(int(body.get("tagid", -1)))
        if tag is None:
            return _err(45159, "invalid tag id")
        tag["members"].update(body.get("openid_list", []))
        return _err(0, "ok")

    @app.post("/cgi-bin/media/upload")
    def media_upload():
        upload = request.files.get("media")
        if upload is None:
            return _err(41005, "media data missing")
        media_id = "SIMMEDIA_" + secrets.token_hex(8)
        st.media[media_id] = (upload.read(), upload.mimetype or "image/jpeg")
        return jsonify({"type": request.args.get("type", "image"), "media_id": media_id,
                        "created_at": int(st.now())})

    @app.get("/cgi-bin/media/get")
    def media_get():
        found = st.media.get(request.args.get("media_id", ""))
        if found is None:
            return _err(40007, "invalid media_id")
        data, mimetype = found
        return app.response_class(data, mimetype=mimetype)

    @app.post("/cgi-bin/qrcode/create")
    def qrcode_create():
        """Parametric QR codes (qrcode doc): temporary ones expire after expire_seconds (≤ 30 days)."""
        body = request.get_json(force=True, silent=True) or {}
        action = body.get("action_name")
        scene = ((body.get("action_info") or {}).get("scene") or {})
        value = scene.get("scene_str") if action in {"QR_STR_SCENE", "QR_LIMIT_STR_SCENE"} else scene.get("scene_id")
        if action not in {"QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"} or value in (None, ""):
            return _err(40097, "invalid args")
        if isinstance(value, str) and not 1 <= len(value) <= 64:
            return _err(40097, "invalid args: scene_str length 1-64")
        expire = min(int(body.get("expire_seconds") or 60), 30 * 24 * 3600) if "LIMIT" not in action else None
        ticket = "SIMQR_" + secrets.token_hex(12)
        with st.lock:
            st.qrcodes[ticket] = {"scene": str(value), "expires_at": st.now() + expire if expire else None}
        return jsonify({"ticket": ticket, "expire_seconds": expire, "url": f"http://weixin.qq.com/q/{ticket}"})

    # --- the sim's own endpoints ------------------------------------------------------------------------------
    @app.post("/sim/inbound")
    def inbound():
        """The sim client reports what a user did: it opens service windows and changes who follows."""
        body = request.get_json(force=True)
        openid, action = body["openid"], body["action"]
        with st.lock:
            now = st.now()
            if action == "unsubscribe":
                st.followers.discard(openid)
                st.windows.pop(openid, None)
            elif action == "message":
                st.followers.add(openid)
                st.windows[openid] = [Window(now, *USER_WINDOW)]
            elif action in {"click", "subscribe", "scan"}:
                st.followers.add(openid)
                st.windows[openid].append(Window(now, *EVENT_WINDOW))
            elif action == "accept_subscription":
                st.subscriptions[openid].append(body["template_id"])
            if "media" in body:   # an image the user sent: make it downloadable by media_id
                st.media[body["media"]["media_id"]] = (bytes.fromhex(body["media"]["hex"]), "image/jpeg")
        return _err(0, "ok")

    @app.get("/sim/inbox/<openid>")
    def read_inbox(openid: str):
        return jsonify(st.inbox.get(openid, []))

    @app.get("/sim/inbox-counts")
    def inbox_counts():
        with st.lock:
            sizes = Counter(len(st.inbox.get(openid, ())) for openid in st.followers | set(st.inbox))
        return jsonify({str(k): n for k, n in sorted(sizes.items())})

    @app.get("/sim/qrcode/<ticket>")
    def read_qrcode(ticket: str):
        code = st.qrcodes.get(ticket)
        if code is None:
            return _err(40007, "invalid ticket")
        expired = code["expires_at"] is not None and st.now() >= code["expires_at"]
        return jsonify({"scene": code["scene"], "expired": expired})

    @app.get("/sim/stats")
    def stats():
        return jsonify({"calls": dict(st.calls), "followers": len(st.followers), "sends_held": st.sends_held})

    @app.post("/sim/sends/release")
    def release_sends():
        with st.lock:
            st.hold_sends_after = None
            st.sends_gate.set()
        return _err(0, "ok")

    @app.post("/sim/config")
    def configure():
        body = request.get_json(force=True)
        with st.lock:
            st.latency_ms = int(body.get("latency_ms", st.latency_ms))
            for path, codes in (body.get("fail") or {}).items():
                st.fail[path] = list(codes)
            st.template_status.update(body.get("template_status") or {})
            st.hold_reports = bool(body.get("hold_reports", st.hold_reports))
            if "hold_sends_after" in body:
                st.hold_sends_after, st.sends_seen = body["hold_sends_after"], 0
            if "callback" in body:
                st.callback, st.callback_token = body["callback"], body.get("token", "")
            if "bot" in body:
                st.bot = body["bot"]
            if "advance_seconds" in body:
                st.clock_offset += float(body["advance_seconds"])
            for openid in body.get("followers", []):
                st.followers.add(openid)
        return _err(0, "ok")

    @app.post("/sim/reports/release")
    def release_reports():
        with st.lock:
            held, st.held = st.held, []
        for openid, msgid, status in held:
            _template_finished(st, openid, msgid, status)
        return jsonify({"errcode": 0, "errmsg": "ok", "released": len(held)})

    @app.post("/sim/reset")
    def reset():
        fresh = SimState()
        with st.lock:
            st.sends_gate.set()         # nothing stays held across tests
            for name in SimState.__dataclass_fields__:
                if name not in {"lock", "bot"}:
                    setattr(st, name, getattr(fresh, name))
        return _err(0, "ok")

    return app


def _job_finished(st: SimState, msg_id: int, total: int, sent: int, filtered: int) -> None:
    """Tell the webhook the mass job finished, signed like WeChat (MASSSENDJOBFINISH)."""
    from sim.client import push_event

    push_event(st.callback, "MASSSENDJOBFINISH", {
        "MsgID": msg_id, "Status": "send success", "TotalCount": total, "FilterCount": sent,
        "SentCount": sent, "ErrorCount": 0}, token=st.callback_token)


def _template_finished(st: SimState, openid: str, msg_id: int, status: str) -> None:
    """Tell the webhook how a template message ended, signed like WeChat (TEMPLATESENDJOBFINISH)."""
    from sim.client import push_event

    push_event(st.callback, "TEMPLATESENDJOBFINISH", {"FromUserName": openid, "MsgID": msg_id, "Status": status},
               token=st.callback_token)
