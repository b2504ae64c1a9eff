"""Every Redis key the project uses, one function each, with its TTL beside it. No other module spells a key."""
from __future__ import annotations

PREFIX = "cp"  # consumer-protection; keeps our keys apart on a shared Redis

# WeChat re-sends after 5 s up to 3 times (~15 s); keep a delivered reply for 5 minutes so every retry gets it.
DEDUP_TTL = 300
# A conversation's state outlives its timeout by a day, so the next message can say it expired.
CONVERSATION_GRACE = 24 * 3600
FOLLOWER_LOCK_TTL = 10          # seconds; a handler that takes longer has lost its lock (WeChat gave up at 5 s)
TOKEN_LOCK_TTL = 30


def dedup(message_key: str) -> str:
    """The rendered reply to one inbound message (MsgId, or openid:CreateTime for events). TTL DEDUP_TTL."""
    return f"{PREFIX}:dedup:{message_key}"


def conversation(openid: str) -> str:
    """JSON state of the follower's conversation: the active flow and the parked drafts (bot/drafts.py); a copy is
    kept in the database (services/drafts.py). TTL: the latest draft's timeout + CONVERSATION_GRACE."""
    return f"{PREFIX}:conv:{openid}"


MENU_TTL = 600                  # seconds; a numbered list is answered within minutes or not at all


def menu(openid: str) -> str:
    """The words the numbers of the list last shown to the follower stand for (bot/choices.py); read and deleted by
    the next message's claim (bot/inbox.py). TTL MENU_TTL."""
    return f"{PREFIX}:menu:{openid}"


FOLLOWER_FRESH_TTL = 300       # seconds; = followers.TOUCH_EVERY


def follower_fresh(openid: str) -> str:
    """Present while the follower's row was touched within TTL and no notice waits: a message then needs no database
    read. Deleted when a notice is deferred. TTL FOLLOWER_FRESH_TTL."""
    return f"{PREFIX}:fresh:{openid}"


def follower_lock(openid: str) -> str:
    """Serialises conversation updates for one follower. TTL FOLLOWER_LOCK_TTL."""
    return f"{PREFIX}:lock:follower:{openid}"


def access_token(app_id: str) -> str:
    """The account's access token shared by every process. TTL: WeChat's expires_in."""
    return f"{PREFIX}:wechat:{app_id}:access_token"


def access_token_lock(app_id: str) -> str:
    """Held by the one process refreshing the token. TTL TOKEN_LOCK_TTL."""
    return f"{PREFIX}:wechat:{app_id}:access_token:lock"


# 维权问答: the numbered "您是不是想问" choices stay answerable for 10 minutes.
FAQ_OFFER_TTL = 600


def faq_offer(openid: str) -> str:
    """JSON {"slugs": [...], "question": "..."}: the entry slugs last offered to the follower as numbered choices, and
    the words that got them (a short detail sent next is read with them). TTL FAQ_OFFER_TTL."""
    return f"{PREFIX}:faq:offer:{openid}"


def faq_index_version() -> str:
    """A token that changes whenever entries or pins change; each process rebuilds its index when it differs. No TTL."""
    return f"{PREFIX}:faq:index_version"


# 维权问答 follow-ups ("那运费谁出") are read against the entry answered in the last 5 minutes.
FAQ_CONTEXT_TTL = 300


def faq_context(openid: str) -> str:
    """The slug of the entry last answered to the follower and the words that got it, for a follow-up question (and
    "不对"). TTL FAQ_CONTEXT_TTL."""
    return f"{PREFIX}:faq:context:{openid}"


# Staff login throttle per client IP: a loose cap against password spraying, high enough that one office behind one
# NAT is never locked out by a few colleagues' typos (the per-account throttle is per account *and* address).
LOGIN_IP_WINDOW = 15 * 60
LOGIN_IP_MAX = 300


def login_failures_ip(ip: str) -> str:
    """Count of failed staff logins from one IP. TTL LOGIN_IP_WINDOW from the first failure."""
    return f"{PREFIX}:login:fail:ip:{ip}"


# Staff login backoff per (account, address): failures are remembered a day; the wait grows from a minute to an hour.
LOGIN_PAIR_WINDOW = 24 * 3600


def login_failures_pair(pair: str) -> str:
    """Count of failed logins for one (username, address) digest. TTL LOGIN_PAIR_WINDOW from the last failure."""
    return f"{PREFIX}:login:fail:pair:{pair}"


def login_wait_pair(pair: str) -> str:
    """Present while one (username, address) digest must wait before trying again. TTL: the backoff, ≤ 1 hour."""
    return f"{PREFIX}:login:wait:pair:{pair}"


# 你点我检: live tallies are a cache of the ballots table, rebuilt by `polls.reconcile`; no TTL (the DB is the truth).
POLL_TALLY_REBUILD_TTL = 60


def poll_tally(poll_id: int) -> str:
    """Hash of a poll's live tally: `ready`, `ballots` and `o:<option_id>` counts. No TTL; rebuilt by reconcile."""
    return f"{PREFIX}:poll:{poll_id}:tally"


def poll_tally_rebuild(poll_id: int) -> str:
    """Scratch hash reconcile fills before renaming it over `poll_tally`. TTL POLL_TALLY_REBUILD_TTL."""
    return f"{PREFIX}:poll:{poll_id}:tally:rebuild"


def publication_rate(publication_id: int) -> str:
    """The identifier of one publication's shared send-rate window (`services/delivery_rate.py`). The `limits` library
    stores it under its own key built from this one; TTL: the window (one second × its multiple)."""
    return f"{PREFIX}:pub:rate:{publication_id}"


def follow_queue() -> str:
    """Follow / unfollow events received while the database was down (JSON, oldest first), applied by the
    `followers.apply_queued` job. No TTL: an event must outlive any outage."""
    return f"{PREFIX}:followers:queue"


# Authenticated pushes: a (timestamp, nonce, signature) is remembered for at least twice the ±300 s timestamp window,
# so a query stays known for as long as any timestamp the window accepts.
PUSH_REPLAY_TTL = 600


def push_replay(timestamp: str, nonce: str, signature: str) -> str:
    """SHA1 of the body first pushed with this signed query; another body under it is a forgery. TTL
    max(PUSH_REPLAY_TTL, 2 x WECHAT_TIMESTAMP_WINDOW)."""
    return f"{PREFIX}:push:{timestamp}:{nonce}:{signature}"


# 人工值守: while a follower is handed over to staff, their free text goes to the inbox thread. The text path reads
# the hand-over from the conversation state `bot.inbox.claim` already fetched; this marker is read only on a menu tap
# (the router clears a flow's state before a tap's command runs). Kept as long as the hand-over flow's state.
HANDOVER_TTL = 2 * 24 * 3600


def handover(openid: str) -> str:
    """Present while the follower is handed over to staff (`services.inbox`). TTL HANDOVER_TTL."""
    return f"{PREFIX}:handover:{openid}"
