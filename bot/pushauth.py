"""Authenticating a push beyond its signature: freshness, replay, mode and addressee. Knows nothing of features.

WeChat's plain `signature` signs only (Token, timestamp, nonce) — not the body — so a captured query string alone
would let anyone post any XML. Four checks close that, each refusing with 403 and one log line (no openid, no
query string, no text):

- **timestamp**: outside ±WECHAT_TIMESTAMP_WINDOW seconds (default 300) of this server's clock → refused.
- **replay**: the first push seen with a (timestamp, nonce, signature) records a digest of its body in Redis
  (`keys.push_replay`, TTL ≥ twice the window, so it outlives every timestamp the window accepts). The same query
  with a *different* body is a forgery → refused. The same query with the *same* body is let through: that is
  WeChat re-sending a message it got no answer for within 5 s (same request, passive-reply doc), and the dedup layer
  (`bot.inbox`) answers it with the stored reply — exactly-once is dedup's job, not this cache's.
  **Redis down**: the cache cannot be read, so the push is accepted on its verified signature and timestamp
  (a replay inside the window then reaches dedup and the database's unique keys, which still stop a doubled effect);
  refusing instead would turn every Redis outage into a total outage. Logged as `replay cache unavailable`.
- **mode**: with an EncodingAESKey configured, a push without `encrypt_type=aes` is refused, unless
  WECHAT_ALLOW_PLAINTEXT is set (for the minutes of switching the account's mode in WeChat's console).
- **addressee**: the decrypted ToUserName must be WECHAT_ACCOUNT_ID (the account's 原始ID, gh_…) when that is set;
  unset (development, the sim) it is not checked and a production start logs a warning.
"""
from __future__ import annotations

import hashlib
import time

from flask import Response, abort, current_app, request
from redis.exceptions import RedisError

import logs
from extensions import redis
from services import keys

log = logs.get(__name__)


def refuse(reason: str, status: int = 403) -> None:
    """Abort with `status`; the reason is logged as a field (never the query string, which carries signatures)."""
    log.info("push refused", reason=reason)
    abort(Response("forbidden" if status == 403 else "bad request", status=status))


def check_timestamp() -> None:
    """Refuse a push whose timestamp is not a number or lies outside the window around this server's clock."""
    window = int(current_app.config["WECHAT_TIMESTAMP_WINDOW"])
    try:
        stamp = int(request.args.get("timestamp", ""))
    except ValueError:
        refuse("timestamp not a number")
    if abs(time.time() - stamp) > window:
        refuse("timestamp outside window")


def check_mode(encrypted: bool) -> None:
    """Refuse plaintext to an account that has an EncodingAESKey, unless compatibility says otherwise."""
    cfg = current_app.config
    if cfg["WECHAT_AES_KEY"] and not encrypted and not cfg["WECHAT_ALLOW_PLAINTEXT"]:
        refuse("plaintext push while an AES key is configured")


def check_addressee(account: str) -> None:
    expected = current_app.config["WECHAT_ACCOUNT_ID"]
    if expected and account != expected:
        refuse("ToUserName is not this account")


def check_replay(body: bytes) -> None:
    """Record this query's body digest; refuse the same query carrying another body. Accepts when Redis is down."""
    args = request.args
    key = keys.push_replay(args.get("timestamp", ""), args.get("nonce", ""), args.get("signature", ""))
    digest = hashlib.sha1(body).hexdigest()
    ttl = max(keys.PUSH_REPLAY_TTL, 2 * int(current_app.config["WECHAT_TIMESTAMP_WINDOW"]))
    try:
        if redis.set(key, digest, nx=True, ex=ttl):
            return
        seen = redis.get(key)
    except RedisError as exc:
        log.warning("replay cache unavailable", error=type(exc).__name__)
        return
    if seen is not None and seen != digest:
        refuse("query replayed with another body")
