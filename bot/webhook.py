"""The transport: WeChat's HTTP calls in, passive replies out. Knows nothing of features.

Verify before parsing: the plain `signature` always; in AES mode `msg_signature`, then decrypt. Bad signature or
wrong AppID → 403, malformed XML, entities, nesting deeper than messages.MAX_DEPTH or any decrypt failure → 400,
body over 64 KiB → 413 (MAX_CONTENT_LENGTH). A signed push is then authenticated (`bot.pushauth`: timestamp window,
replay cache, plaintext refused when a key is set, ToUserName) → 403. Nothing is stored for a rejected request.
Every accepted push gets a 200: a reply, or `success` (only for work that is done or will be delivered by
customer-service message, see `bot.router`). Query strings carry signatures: they are never logged here.
"""
from __future__ import annotations

import logging
import re
import time
from xml.parsers.expat import ExpatError

from flask import Blueprint, Flask, Request, Response, abort, current_app, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import ArticlesReply, TextReply, TransferCustomerServiceReply
from wechatpy.utils import check_signature

import bounds
import logs
import metrics
from bot import late, messages, pushauth, router
from bot.messages import Incoming, Reply
from services.clock import utcnow

log = logs.get(__name__)
bp = Blueprint("wechat", __name__)


class NoQueryStrings(logging.Filter):
    """Strip query strings from the development server's request lines: WeChat's carry signatures and openids."""

    _QUERY = re.compile(r"\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(self._QUERY.sub("", a) if isinstance(a, str) else a for a in record.args)
        return True


class SessionlessWebhook(SecureCookieSessionInterface):
    """Flask's signed-cookie session for the console; the webhook, which WeChat calls without cookies up to a
    thousand times a second, gets the null session instead (no cookie read, no signer built: ~5% of its CPU)."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path == "/wechat":
            return self.make_null_session(app)
        return super().open_session(app, request)


def _crypto_for(key: str) -> WeChatCrypto:
    cfg = current_app.config
    return WeChatCrypto(cfg["WECHAT_TOKEN"], key, cfg["WECHAT_APP_ID"])


def _verify_plain() -> None:
    args = request.args
    try:
        # wechatpy's order is (token, signature, timestamp, nonce): keyword-free, so spelled out here once.
        check_signature(current_app.config["WECHAT_TOKEN"], args.get("signature", ""), args.get("timestamp", ""),
                        args.get("nonce", ""))
    except InvalidSignatureException:
        abort(Response("invalid signature", status=403))


@bp.get("/wechat")
def verify_url():
    """WeChat's server-URL check: return echostr when the signature matches (公众号: echostr is plaintext)."""
    _verify_plain()
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@bp.post("/wechat")
def receive():
    started = g.push_arrived = late.arrival(request.headers.get("X-Request-Start"))
    bounds.arm(float(current_app.config["WEBHOOK_DB_DEADLINE"]))  # database work cut after this, inside WeChat's 5 s
    _verify_plain()
    pushauth.check_timestamp()
    encrypted = request.args.get("encrypt_type") == "aes"
    pushauth.check_mode(encrypted)
    body = request.get_data(cache=False)  # MAX_CONTENT_LENGTH turns an oversize body into 413 here
    xml, key = body, None
    if encrypted:
        xml, key = _decrypt(body)
    try:
        incoming = messages.parse(xml)
    except (ExpatError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.info("rejected malformed push", error=type(exc).__name__)
        abort(Response("malformed xml", status=400))
    pushauth.check_addressee(incoming.account)
    pushauth.check_replay(body)

    logs.clear()
    logs.bind(msg=incoming.dedup_key, type=incoming.type, wx_event=incoming.event or None)
    outbound = current_app.extensions["outbound"]
    now = current_app.config.get("CLOCK", utcnow)()  # tests may pass a controllable clock
    if late.overloaded(started):   # queued too long already: answer now, handle in the background (bot/late.py)
        log.warning("overloaded: push handled in the background", waited=round(time.monotonic() - started, 2))
        metrics.DEFERRED.inc()
        outbound.run_later(late.handle_after_lock, current_app._get_current_object(), incoming, now=now,
                           services=outbound, lock_wait=late.LOCK_WAIT_LATER)
        rendered, _ = render(Reply(text=late.BUSY), incoming)
        if encrypted:
            rendered = _crypto_for(key).encrypt_message(rendered, request.args.get("nonce", ""), int(time.time()))
        return Response(rendered, mimetype="application/xml")
    outcome = router.dispatch(incoming, now=now, services=outbound, started=started)
    if outcome.reply.later:   # too late for a passive reply: the whole answer goes by customer-service message
        if outcome.first:
            outbound.later(incoming.openid, late.texts(outcome.reply))
        return Response("success", mimetype="text/plain")
    rendered, rest = render(outcome.reply, incoming)
    if outcome.first and rest:
        outbound.later(incoming.openid, rest)
    if encrypted and rendered:
        rendered = _crypto_for(key).encrypt_message(rendered, request.args.get("nonce", ""), int(time.time()))
    return Response(rendered or "success", mimetype="application/xml" if rendered else "text/plain")


@bp.after_request
def _unbind(response: Response) -> Response:
    logs.clear()  # context bound for this push must not leak into the thread's next request
    return response


@bp.teardown_request
def _disarm(_exc: BaseException | None) -> None:
    bounds.disarm()


def _decrypt(body: bytes) -> tuple[str, str]:
    cfg = current_app.config
    args = request.args
    keys_to_try = [k for k in (cfg["WECHAT_AES_KEY"], cfg["WECHAT_AES_KEY_PREVIOUS"]) if k]
    if not keys_to_try:
        abort(Response("encryption not configured", status=400))
    failure = 400
    for key in keys_to_try:  # EncodingAESKey rotation: try the current key, then the previous (AES scheme doc)
        try:
            return _crypto_for(key).decrypt_message(body, args.get("msg_signature", ""), args.get("timestamp", ""),
                                                    args.get("nonce", "")), key
        except (InvalidSignatureException, InvalidAppIdException):
            failure = 403
        except Exception as exc:  # noqa: BLE001 - wechatpy raises whatever the ciphertext provokes (IndexError on an
            # empty plaintext, struct.error on a short one, binascii.Error...): every one means "undecryptable", 400
            log.info("rejected undecryptable push", error=type(exc).__name__)
    abort(Response("invalid ciphertext", status=failure))


def render(reply: Reply, incoming: Incoming) -> tuple[str, list[str]]:
    """The passive-reply XML (empty for `success`) and the text parts that go out by customer-service message."""
    if reply.silent and not reply.text:
        return "", list(reply.followups)
    if reply.transfer:
        return TransferCustomerServiceReply(**_addressed(incoming)).render(), []
    if reply.articles:
        limit = messages.ARTICLES_FOR_EVENTS if incoming.is_event else messages.ARTICLES_FOR_MESSAGES
        articles = [{"title": messages.cdata_safe(a.title), "description": messages.cdata_safe(a.description),
                     "image": a.image, "url": a.url} for a in reply.articles[:limit]]
        extra = [f"{a.title}\n{a.url}" for a in reply.articles[limit:]]
        return ArticlesReply(**_addressed(incoming), articles=articles).render(), extra + reply.followups
    parts = messages.split_text(reply.text)
    head, rest = parts[0], parts[1:]
    xml = TextReply(**_addressed(incoming), content=messages.cdata_safe(head)).render()
    return xml, rest + [p for f in reply.followups for p in messages.split_text(f)]


def _addressed(incoming: Incoming) -> dict[str, str]:
    """A reply goes back to the sender, from the account they wrote to."""
    return {"source": incoming.account, "target": incoming.openid}
