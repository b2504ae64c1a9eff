"""One inbound message's passage through Redis, in one round trip each way.

`claim` takes the follower's lock and, in the same Lua script, reads what the router needs next: the reply stored for
this message (a re-send), the follower's conversation state, whether their row is known fresh, and the numbered list
the previous reply showed (taken: it answers this one message only, `bot.choices`). `release` stores the reply for
re-sends, keeps the reply's own numbered list for the next message, and releases the lock, again in one script. Six separate commands per message cost most of the
webhook's CPU; two scripts do the same work atomically (measured in docs/BENCHMARKS.md).

The lock is the classic token lock: SET NX PX with a random token, released only by its holder, expiring on its own
(FOLLOWER_LOCK_TTL) if the holder dies.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from redis.exceptions import NoScriptError

from extensions import redis
from services import keys

POLL_SECONDS = 0.05    # how often a re-send waiting for the first delivery's lock asks again

# KEYS: lock, dedup, conversation, fresh, menu.  ARGV: token, lock ms, fresh ttl, "1" to test-and-set the fresh marker.
# → {0} busy | {1, stored reply} a re-send (lock already released) | {2, state or nil, 1 if the row is fresh, menu}
_CLAIM = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0} end
local stored = redis.call('GET', KEYS[2])
if stored then
  redis.call('DEL', KEYS[1])
  return {1, stored}
end
local fresh = 0
if ARGV[4] == '1' and not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[3]) then fresh = 1 end
local menu = redis.call('GET', KEYS[5])
if menu then redis.call('DEL', KEYS[5]) end
return {2, redis.call('GET', KEYS[3]), fresh, menu}
"""

# KEYS: lock, dedup, menu.  ARGV: token, reply JSON, dedup ttl, the reply's menu JSON or "", menu ttl.
_RELEASE = """
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""


class _Script:
    """A Lua script run by its SHA1, loaded again after a Redis restart emptied the script cache."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def __call__(self, keys_: list[str], args: list[object]):
        client = redis.client
        try:
            return client.evalsha(self.sha, len(keys_), *keys_, *args)
        except NoScriptError:
            return client.eval(self.source, len(keys_), *keys_, *args)


_claim, _release = _Script(_CLAIM), _Script(_RELEASE)


@dataclass(frozen=True)
class Claim:
    """The follower's lock is held (unless `stored`): the message is handled, then `release` is called."""

    openid: str
    dedup_key: str
    token: str
    stored: str | None = None          # the reply JSON of an earlier delivery: answer with it, do nothing else
    conversation: str | None = None    # the raw conversation state, for `conversation.parse`
    fresh: bool = False                # the follower's row was touched within the minute and no notice waits
    menu: str | None = None            # the numbered list the previous reply showed (JSON), for `bot.choices`


def claim(openid: str, dedup_key: str, *, check_fresh: bool, wait: float) -> Claim | None:
    """Take the follower's lock and read the message's context; None when the lock stays busy for `wait` seconds.

    Raises RedisError when Redis is unreachable."""
    token = secrets.token_hex(8)
    keys_ = [keys.follower_lock(openid), keys.dedup(dedup_key), keys.conversation(openid),
             keys.follower_fresh(openid), keys.menu(openid)]
    args = [token, keys.FOLLOWER_LOCK_TTL * 1000, keys.FOLLOWER_FRESH_TTL, "1" if check_fresh else "0"]
    deadline = time.monotonic() + wait
    while True:
        result = _claim(keys_, args)
        if result[0] == 1:
            return Claim(openid, dedup_key, token, stored=result[1])
        if result[0] == 2:
            menu = result[3] if len(result) > 3 else None
            return Claim(openid, dedup_key, token, conversation=result[1], fresh=bool(result[2]), menu=menu)
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_SECONDS)   # the first delivery of this follower's message is still being handled


def release(claim: Claim, reply_json: str, *, menu: str = "") -> None:
    """Keep the reply for re-sends (DEDUP_TTL), and its numbered list (`menu`, JSON) for the next message, and release
    the lock if it is still ours. Raises RedisError."""
    _release([keys.follower_lock(claim.openid), keys.dedup(claim.dedup_key), keys.menu(claim.openid)],
           [claim.token, reply_json, keys.DEDUP_TTL, menu, keys.MENU_TTL])
