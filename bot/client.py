"""Outbound WeChat API: one shared access token, capped retries, error mapping, and the `Sender` implementation.

Every call, the token included, goes to `WECHAT_API_BASE` (wechatpy hardcodes the token URL; we override it).
The token lives in Redis for all processes; one holder of a Redis lock refreshes it ahead of expiry, the others
wait for its result. wechatpy's own retry on 40001/40014/42001 is unbounded, so it is off and we retry once.
A failure to get the token (Redis down once the process's memo has expired) raises `NotSent`: no request left, so
the caller may send again without risking a double (issue 12). A call that never got a connection (refused,
connect timeout, TLS handshake) is a plain `TransientError`: retried with backoff, failed after the attempts. A call
whose request left but got no answer (a read timeout: WeChat slow, or the sim holding it) raises `MaybeSent`:
one-by-one delivery counts that follower unconfirmed and never sends again, since WeChat may have delivered it.
Connections are kept alive (WeChat's API speaks HTTP/1.1 keep-alive; `bot/transport.py`), so a burst of one-by-one
sends reuses its connections instead of opening a TCP + TLS connection per message.
"""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
import urllib3
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

import logs
from bot.transport import POOL_SIZE, Transport
from services import (DeliveryError, MaybeSent, NotFollowing, NotSent, OutsideWindow, QuotaExhausted, TransientError,
                      keys)
from services.survey_links import Links

log = logs.get(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}
REFRESH_AHEAD = 300          # refresh 5 minutes before expiry; old and new tokens overlap 5 minutes (token doc)
TOKEN_MEMO = 30              # seconds a process reuses the token it read from Redis: well inside that overlap
TOKEN_RETRIES = 1            # after a token error: refresh once and retry once
BUSY_RETRIES = 2             # -1 system busy: back off and retry twice
ERRORS: dict[int, type[DeliveryError]] = {
    45015: OutsideWindow, 43004: NotFollowing, 45028: QuotaExhausted, 45047: QuotaExhausted,
    45009: QuotaExhausted, 45011: TransientError, -1: TransientError,
}


class WeChatAPI(WeChatClient):
    """wechatpy's client pointed at `api_base`, with the token shared through Redis."""

    def __init__(self, *, app_id: str, secret: str, api_base: str, redis, timeout: float = 5.0,
                 backoff: float = 0.2, pool_size: int = POOL_SIZE, memo: float = TOKEN_MEMO) -> None:
        super().__init__(app_id, secret, timeout=timeout, auto_retry=False)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self._http = Transport(self.api_base, pool_size=pool_size)
        self.redis = redis
        self.backoff = backoff
        self._memo: tuple[str, float] = ("", 0.0)      # (token, monotonic time it was read)
        self.memo_seconds = memo

    # --- token -----------------------------------------------------------------------------------------------
    @property
    def access_token(self) -> str:  # type: ignore[override]
        token, read_at = self._memo
        if token and time.monotonic() - read_at < self.memo_seconds:
            return token
        token = self.redis.get(keys.access_token(self.appid)) or self.refresh_token()
        self._memo = (token, time.monotonic())
        return token

    def forget_token(self) -> None:
        """Drop this process's memo: the next call reads the token from Redis (tests whose fake WeChat restarted)."""
        self._memo = ("", 0.0)

    def refresh_token(self, stale: str | None = None) -> str:
        """Fetch a new token unless another process already did. Only the lock holder calls WeChat."""
        lock = self.redis.lock(keys.access_token_lock(self.appid), timeout=keys.TOKEN_LOCK_TTL,
                               blocking_timeout=keys.TOKEN_LOCK_TTL)
        with lock:
            current = self.redis.get(keys.access_token(self.appid))
            if current and current != stale:
                self._memo = (current, time.monotonic())
                return current           # someone refreshed while we waited
            result = self._fetch_access_token(url=f"{self.api_base}/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
            token, expires_in = result["access_token"], int(result.get("expires_in", 7200))
            self.redis.set(keys.access_token(self.appid), token, ex=max(expires_in - REFRESH_AHEAD, 60))
            self._memo = (token, time.monotonic())
            log.info("access token refreshed", expires_in=expires_in)
            return token

    def token_or_not_sent(self, stale: str | None = None) -> str:
        """The token (refreshed when `stale` is given); any failure to get it raises `NotSent`."""
        try:
            return self.refresh_token(stale=stale) if stale else self.access_token
        except WeChatClientException:
            raise
        except Exception as exc:
            raise NotSent(f"no access token: {type(exc).__name__}") from exc

    def fetch_access_token(self):  # wechatpy calls this on its own paths; route it through the lock
        return {"access_token": self.refresh_token()}

    def _fetch_access_token(self, url, params):
        res = self._http.get(url, params=params, timeout=self.timeout)
        res.raise_for_status()
        result = res.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self)
        return result

    # --- requests with capped retries -------------------------------------------------------------------------
    def _request(self, method, url_or_endpoint, **kwargs):
        token_retries, busy_retries = TOKEN_RETRIES, BUSY_RETRIES
        while True:
            attempt = dict(kwargs)
            attempt["params"] = dict(kwargs.get("params") or {})
            token = attempt["params"].get("access_token") or self.token_or_not_sent()
            attempt["params"]["access_token"] = token
            try:
                return super()._request(method, url_or_endpoint, **attempt)
            except WeChatClientException as exc:
                if exc.errcode in TOKEN_ERRORS and token_retries > 0:
                    token_retries -= 1
                    self.token_or_not_sent(stale=token)
                    continue
                if exc.errcode == -1 and busy_retries > 0:
                    time.sleep(self.backoff * (BUSY_RETRIES - busy_retries + 1))
                    busy_retries -= 1
                    continue
                raise
            except requests.RequestException as exc:
                raise network_error(exc) from exc


def network_error(exc: requests.RequestException) -> TransientError:
    """`TransientError` when no connection was made (nothing can have reached WeChat: retry with backoff), else
    `MaybeSent`. Not `NotSent`: that gives the attempt back for a pause we can see end (the token), while a network
    outage must use up attempts rather than retry at a fixed pace for ever."""
    cause = exc.args[0] if exc.args else None
    cause = getattr(cause, "reason", cause)          # requests wraps urllib3's error in a MaxRetryError
    no_connection = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.SSLError)
    if isinstance(exc, (requests.ConnectTimeout, requests.exceptions.SSLError)) or isinstance(cause, no_connection):
        return TransientError(f"network, nothing sent: {type(exc).__name__}")
    return MaybeSent(f"network, no answer: {type(exc).__name__}")


def as_delivery_error(exc: WeChatClientException) -> DeliveryError:
    cls = ERRORS.get(exc.errcode or 0, DeliveryError)
    if exc.errcode is None:
        cls = TransientError
    return cls(str(exc.errmsg or exc), errcode=exc.errcode)


class WeChatSender:
    """`services.sender.Sender` over the WeChat API."""

    def __init__(self, api: WeChatAPI, templates: dict[str, str] | None = None) -> None:
        self.api = api
        self.templates = {k: v for k, v in (templates or {}).items() if v}

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except WeChatClientException as exc:
            raise as_delivery_error(exc) from exc

    def ready(self) -> None:
        """Raise `NotSent` unless a request could leave now (the access token is at hand)."""
        try:
            self.api.token_or_not_sent()
        except WeChatClientException as exc:
            raise NotSent(f"no access token: errcode {exc.errcode}") from exc

    def text(self, openid: str, content: str) -> None:
        self._call(self.api.message.send_text, openid, content)

    def news(self, openid: str, *, title: str, description: str, url: str, image: str = "") -> None:
        self._call(self.api.message.send_articles, openid,
                   [{"title": title, "description": description, "url": url, "image": image}])

    def template(self, openid: str, *, template_id: str, data: dict[str, str], url: str | None = None) -> str:
        body = {"touser": openid, "template_id": template_id, "url": url,
                "data": {k: {"value": v} for k, v in data.items()}}
        result = self._call(self.api.post, "message/template/send", data=body)
        return str(result.get("msgid", ""))

    def subscription(self, openid: str, *, template_id: str, data: dict[str, str], page: str | None = None) -> None:
        body = {"touser": openid, "template_id": template_id, "page": page,
                "data": {k: {"value": v} for k, v in data.items()}}
        self._call(self.api.post, "message/subscribe/bizsend", data=body)

    def mass_text(self, *, content: str, openids: list[str] | None = None, tag_id: int | None = None,
                  client_msg_id: str | None = None) -> str:
        # wechatpy 1.8.18 sends the legacy `group_id` filter; post raw JSON with `tag_id` (fact sheet §4.5).
        body: dict = {"msgtype": "text", "text": {"content": content}, "send_ignore_reprint": 0}
        if client_msg_id:
            body["clientmsgid"] = client_msg_id[:64]
        if openids is not None:
            body["touser"] = openids
            endpoint = "message/mass/send"
        else:
            body["filter"] = {"is_to_all": tag_id is None, **({"tag_id": tag_id} if tag_id is not None else {})}
            endpoint = "message/mass/sendall"
        try:
            result = self.api.post(endpoint, data=body)
        except WeChatClientException as exc:
            if exc.errcode == 45065:  # clientmsgid already used: the earlier job stands (mass-send doc)
                return str((exc.response.json() if exc.response is not None else {}).get("msg_id", ""))
            raise as_delivery_error(exc) from exc
        return str(result.get("msg_id", ""))

    def follower_list(self) -> tuple[int, list[str]]:
        """Every follower's openid (user/get, ≤10 000 a page, paged by next_openid); returns (total, openids)."""
        openids: list[str] = []
        total, next_openid = 0, None
        while True:
            page = self._call(self.api.get, "user/get", params={"next_openid": next_openid} if next_openid else {})
            total = int(page.get("total") or 0)
            batch = (page.get("data") or {}).get("openid") or []
            if not page.get("count") or not batch:
                return total, openids
            openids += batch
            next_openid = page.get("next_openid")
            if not next_openid or len(openids) >= total:
                return total, openids

    def mass_preview(self, openid: str, *, content: str) -> str:
        """Preview a mass text to one openid (message/mass/preview); uses no follower's monthly quota."""
        result = self._call(self.api.post, "message/mass/preview",
                            data={"touser": openid, "msgtype": "text", "text": {"content": content}})
        return str(result.get("msg_id", ""))

    def fetch_media(self, media_id: str) -> tuple[bytes, str]:
        """Download temporary media (kept by WeChat 3 days); returns (bytes, content type)."""
        try:
            res = self.api.media.download(media_id)
        except WeChatClientException as exc:
            raise as_delivery_error(exc) from exc
        except requests.RequestException as exc:
            raise TransientError(type(exc).__name__) from exc
        if "json" in res.headers.get("Content-Type", ""):
            data = res.json()
            raise as_delivery_error(WeChatClientException(data.get("errcode"), data.get("errmsg")))
        return res.content, res.headers.get("Content-Type", "application/octet-stream")


@dataclass
class Outbound:
    """What handlers and services get to reach followers: the sender, and `later()` for work after the reply."""

    sender: WeChatSender
    workers: int = 4
    survey_links: Links | None = None      # services.survey_links.Links: a survey's mobile-page link for each follower
    _pool: ThreadPoolExecutor | None = None
    _pending: list[Future] = field(default_factory=list)

    def later(self, openid: str, texts: list[str]) -> None:
        """Send the rest of a long answer by customer-service message, after the passive reply."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="outbound")
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._pool.submit(self._send_all, openid, texts))

    def run_later(self, fn, *args, **kwargs) -> None:
        """Run `fn` on the outbound threads after the reply (bot/late.py: a message handled once its lock frees)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="outbound")
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._pool.submit(fn, *args, **kwargs))

    def send_now(self, openid: str, texts: list[str]) -> None:
        """Send customer-service texts from a thread that is already off the request (bot/late.py)."""
        self._send_all(openid, texts)

    def _send_all(self, openid: str, texts: list[str]) -> None:
        for text in texts:
            try:
                self.sender.text(openid, text)
            except DeliveryError as exc:
                log.warning("follow-up not delivered", errcode=exc.errcode)
                return

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for follow-ups in flight (tests and shutdown)."""
        for future in list(self._pending):
            future.result(timeout=timeout)
        self._pending.clear()
