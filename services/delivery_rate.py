"""The send rate of one publication (PUBLICATION_RATE), shared by every process delivering it.

Built on the `limits` library's moving window: with a real Redis every process takes its permits from one window per
publication (`keys.publication_rate`), so n processes together send at most `rate` messages per second. With the
embedded fakeredis (one process), or while Redis fails, a process falls back to an in-memory window at rate / n —
its share — so a Redis outage never makes a publication go faster than configured.
"""
from __future__ import annotations

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

import logs
from extensions import redis
from services import keys

log = logs.get(__name__)


def _item(rate: float) -> RateLimitItemPerSecond:
    """`rate` per second as a whole number of permits per whole number of seconds (0.5/s → 1 per 2 s)."""
    if rate >= 1:
        return RateLimitItemPerSecond(round(rate))
    return RateLimitItemPerSecond(1, max(1, round(1 / rate)))


class RateLimiter:
    """`take(n)` → how many of `n` messages may be claimed now; `pause()` → how long to wait when it was 0."""

    def __init__(self, rate: float, *, publication_id: int, processes: int = 1) -> None:
        self.rate = rate
        self.key = keys.publication_rate(publication_id)
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.local_item = _item(rate / max(1, processes)) if rate else None
        self.item = _item(rate) if rate else None
        self.shared: MovingWindowRateLimiter | None = None
        if rate and not redis.embedded:
            client = redis.client
            self.shared = MovingWindowRateLimiter(RedisStorage("redis://", connection_pool=client.connection_pool,
                                                               key_prefix=keys.PREFIX))

    def take(self, n: int) -> int:
        if not self.rate or n <= 0:
            return max(n, 0)
        if self.shared is not None:
            try:
                return self._take(self.shared, self.item, n)
            except RedisError as exc:
                log.warning("shared rate limit unavailable, using this process's share", error=type(exc).__name__)
        return self._take(self.local, self.local_item, n)

    def _take(self, limiter: MovingWindowRateLimiter, item, n: int) -> int:
        remaining = limiter.get_window_stats(item, self.key).remaining
        want = min(n, remaining)
        if want and limiter.hit(item, self.key, cost=want):
            return want
        return 1 if limiter.hit(item, self.key) else 0

    def pause(self) -> float:
        """Seconds to wait before asking again (one permit's share of the window, at least 10 ms)."""
        return max(0.01, 1.0 / self.rate) if self.rate else 0.05

