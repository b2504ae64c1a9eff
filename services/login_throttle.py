"""Staff login throttling: per (account, client address) with exponential backoff, plus a loose per-address cap.

A stranger guessing an admin's password from another address slows down only that address: the admin, from their
own address, still signs in. After FREE_TRIES failures for one (username, address) pair, each further failure makes
that pair wait BACKOFF_FIRST seconds, doubling up to BACKOFF_MAX. The per-address cap (keys.LOGIN_IP_MAX in
keys.LOGIN_IP_WINDOW) is high enough that one office behind one NAT is never locked by a few colleagues' typos.
Unknown usernames are throttled exactly like real ones, so the answers never reveal which accounts exist.
State is in Redis: a Redis restart forgets the counters (the next failures start counting again).
"""
from __future__ import annotations

import hashlib

from extensions import redis
from services import keys

FREE_TRIES = 5
BACKOFF_FIRST = 60
BACKOFF_MAX = 3600


def _pair(username: str, ip: str) -> str:
    """Attacker-typed text never becomes a key name: the pair is a digest."""
    return hashlib.sha256(f"{(username or '').strip().lower()}\0{ip or 'unknown'}".encode()).hexdigest()[:32]


def wait_seconds(*, username: str, ip: str) -> int:
    """Seconds this (username, address) must still wait before a try is even checked; 0 when it may try now."""
    pair = _pair(username, ip)
    pipe = redis.pipeline()
    pipe.ttl(keys.login_wait_pair(pair))
    pipe.get(keys.login_failures_ip(ip or "unknown"))
    pipe.ttl(keys.login_failures_ip(ip or "unknown"))
    pair_ttl, ip_failures, ip_ttl = pipe.execute()
    if int(ip_failures or 0) >= keys.LOGIN_IP_MAX:
        return max(1, int(ip_ttl or 0))
    return max(0, int(pair_ttl or 0))


def failed(*, username: str, ip: str) -> int:
    """Count one failure; returns the wait now imposed on this pair (0 while within FREE_TRIES)."""
    pair = _pair(username, ip)
    ip_key = keys.login_failures_ip(ip or "unknown")
    pipe = redis.pipeline()
    pipe.incr(keys.login_failures_pair(pair))
    pipe.expire(keys.login_failures_pair(pair), keys.LOGIN_PAIR_WINDOW)
    pipe.incr(ip_key)
    pipe.expire(ip_key, keys.LOGIN_IP_WINDOW, nx=True)
    failures = int(pipe.execute()[0])
    if failures < FREE_TRIES:
        return 0
    wait = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (failures - FREE_TRIES))
    redis.set(keys.login_wait_pair(pair), 1, ex=wait)
    return wait


def succeeded(*, username: str, ip: str) -> None:
    """A correct password clears this pair's record (the address's count stays: it is a spray detector)."""
    pair = _pair(username, ip)
    redis.delete(keys.login_failures_pair(pair), keys.login_wait_pair(pair))
