"""Casting a 你点我检 ballot, and the hash chain that makes a changed ballot show.

One ballot per follower per poll, final once cast: the table is unique on (poll, openid) and (poll, voter digest),
so a confirm WeChat re-sends (or two racing processes) counts once. Ballots are appended in `seq` order and each
stores `hash = sha256(prev_hash + canonical(ballot))`; `verify` recomputes the chain. The poll row is locked
(`SELECT … FOR UPDATE`, where the database has it) while a ballot is appended; a lost race on `seq` retries. Waiting
for that lock is queueing, not a fault: on PostgreSQL a ballot waits until shortly before the webhook's deadline
(`bounds.queued`), and one that still did not get its turn is answered BUSY, its flow kept for another 确认.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

import bounds
import logs
from extensions import db
from models.poll import Ballot, BallotChoice, Poll
from services import Conflict, Invalid, PermissionDenied, followers, polls, tx
from services.clock import to_china

log = logs.get(__name__)

NOT_FOLLOWING = "只有关注本公众号的用户才能参与投票。请先关注，再发“投票”。"
NOT_OPEN_YET = "「{title}」将于{when}开始投票，届时欢迎参与。"
CLOSED = "「{title}」已于{when}结束投票，感谢关注。抽检结果公布后可发“抽检结果”查看。"
UNANSWERED = "「{question}」还没有选择"
TOO_MANY = "「{question}」最多选{max}项，您选了{count}项"
UNKNOWN_OPTION = "「{question}」没有这个选项"
SUGGESTION_TOO_LONG = "其他建议请控制在200字以内"
BUSY = "现在投票的人比较多，请稍后再发一次“确认”。"

SUGGESTION_MAX = 200
APPEND_ATTEMPTS = 8


@dataclass(frozen=True)
class CastResult:
    ballot: Ballot
    created: bool          # False: this follower had already voted (a re-sent confirm); nothing changed


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    ballots: int
    broken_at: int | None = None     # the seq of the first ballot that does not verify


def voter_digest(openid: str) -> str:
    return hashlib.sha256(f"voter:{openid}".encode()).hexdigest()


def genesis(poll_id: int) -> str:
    return hashlib.sha256(f"poll:{poll_id}".encode()).hexdigest()


def canonical(*, poll_id: int, seq: int, voter: str, option_ids: Sequence[int], suggestion: str | None,
              cast_at: datetime) -> str:
    """The bytes the chain hashes: every fact a ballot records, in a fixed order."""
    return json.dumps({"poll": poll_id, "seq": seq, "voter": voter, "choices": sorted(option_ids),
                       "suggestion": suggestion or "", "cast_at": cast_at.replace(microsecond=0).isoformat()},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, canonical_text: str) -> str:
    return hashlib.sha256((prev_hash + canonical_text).encode()).hexdigest()


def plain_time(moment: datetime) -> str:
    """`3月15日 18:00` in China time, as a consumer reads it."""
    local = to_china(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def refusal(poll: Poll, now: datetime) -> str | None:
    """Why this poll takes no ballot now (not yet open, or closed), in the follower's words; None when it does."""
    if polls.accepting(poll, now):
        return None
    if now < poll.opens_at and poll.status in {"scheduled", "open"}:
        return NOT_OPEN_YET.format(title=poll.title, when=plain_time(poll.opens_at))
    return CLOSED.format(title=poll.title, when=plain_time(min(poll.closes_at, poll.closed_at or poll.closes_at)))


def existing(*, poll_id: int, openid: str) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.poll_id == poll_id,
                                                  Ballot.voter_digest == voter_digest(openid)))


def validate(poll: Poll, choices: Mapping[int, Sequence[int]], suggestion: str | None) -> list[int]:
    """Check one answer per question within its limit; returns the chosen option ids."""
    picked: list[int] = []
    for question in poll.questions:
        chosen = list(dict.fromkeys(choices.get(question.id) or []))
        if not chosen:
            raise Invalid(UNANSWERED.format(question=question.text), field=f"q{question.id}")
        if len(chosen) > question.max_picks:
            raise Invalid(TOO_MANY.format(question=question.text, max=question.max_picks, count=len(chosen)),
                          field=f"q{question.id}")
        valid = {o.id for o in question.options}
        if any(option_id not in valid for option_id in chosen):
            raise Invalid(UNKNOWN_OPTION.format(question=question.text), field=f"q{question.id}")
        picked.extend(chosen)
    if suggestion and len(suggestion) > SUGGESTION_MAX:
        raise Invalid(SUGGESTION_TOO_LONG, field="suggestion")
    return picked


def cast(*, poll_id: int, openid: str, choices: Mapping[int, Sequence[int]], suggestion: str | None = None,
         now: datetime) -> CastResult:
    """Append the follower's ballot to the chain and count it; a follower who already voted gets their ballot back.

    The ballot is flushed in a savepoint (so a lost race retries just the ballot, never the caller's other work); the
    edge commits it, and the commit adds it to the cached tally (`tx.after_commit`), so a rolled-back ballot is never
    counted.
    """
    follower = followers.get(openid)
    if follower is None or not follower.subscribed:
        raise PermissionDenied(NOT_FOLLOWING)
    poll = polls.get(poll_id)
    reason = refusal(poll, now)
    if reason:
        raise Conflict(reason)
    option_ids = validate(poll, choices, suggestion)
    suggestion = (suggestion or "").strip() or None
    subscribed_at = follower.subscribed_at
    for _ in range(APPEND_ATTEMPTS):
        found = existing(poll_id=poll_id, openid=openid)
        if found is not None:
            return CastResult(found, created=False)
        try:
            with db.session.begin_nested():
                ballot = _append(poll_id, openid, choices, option_ids, suggestion, subscribed_at, now)
        except IntegrityError:      # another ballot took this seq, or this follower's confirm raced itself
            continue
        except OperationalError as err:
            if not bounds.lock_wait_expired(err):
                raise
            log.warning("ballot not cast: the poll's queue outlasted the request", poll=poll_id)
            raise Conflict(BUSY) from err
        tx.after_commit(partial(polls.count_ballot, poll_id=poll_id, option_ids=option_ids))
        log.info("ballot cast", poll=poll_id, seq=ballot.seq)
        return CastResult(ballot, created=True)
    raise Conflict(BUSY)


def _append(poll_id: int, openid: str, choices: Mapping[int, Sequence[int]], option_ids: list[int],
            suggestion: str | None, subscribed_at: datetime | None, now: datetime) -> Ballot:
    # Serialise appends on this poll: PostgreSQL and MySQL lock the poll row (FOR UPDATE); SQLite ignores FOR UPDATE,
    # so take its write lock first, before reading the chain's tail, or every racing writer reads the same tail.
    # The lock is a queue: on 3·15 a ballot may wait behind many others, longer than lock_timeout (bounds.queued).
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(Poll).where(Poll.id == poll_id).values(id=Poll.id))
    with bounds.queued(db.session):
        db.session.execute(select(Poll.id).where(Poll.id == poll_id).with_for_update())
    last = db.session.execute(select(Ballot.seq, Ballot.hash).where(Ballot.poll_id == poll_id)
                              .order_by(Ballot.seq.desc()).limit(1)).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, genesis(poll_id))
    cast_at = now.replace(microsecond=0)
    digest = voter_digest(openid)
    text = canonical(poll_id=poll_id, seq=seq, voter=digest, option_ids=option_ids, suggestion=suggestion,
                     cast_at=cast_at)
    ballot = Ballot(poll_id=poll_id, seq=seq, openid=openid, voter_digest=digest, suggestion=suggestion,
                    cast_at=cast_at, subscribed_at=subscribed_at, prev_hash=prev_hash,
                    hash=chain_hash(prev_hash, text))
    ballot.choices = [BallotChoice(question_id=qid, option_id=oid)
                      for qid, picked in choices.items() for oid in dict.fromkeys(picked)]
    db.session.add(ballot)
    return ballot


def verify(*, poll_id: int) -> ChainCheck:
    """Recompute the poll's chain from its first ballot; report the first ballot that does not match."""
    prev_hash, count = genesis(poll_id), 0
    chosen: dict[int, list[int]] = defaultdict(list)
    for ballot_id, option_id in db.session.execute(
            select(BallotChoice.ballot_id, BallotChoice.option_id).join(Ballot).where(Ballot.poll_id == poll_id)):
        chosen[ballot_id].append(option_id)
    ballots = db.session.scalars(select(Ballot).where(Ballot.poll_id == poll_id).order_by(Ballot.seq))
    for expected_seq, ballot in enumerate(ballots, start=1):
        count += 1
        text = canonical(poll_id=poll_id, seq=ballot.seq, voter=ballot.voter_digest, option_ids=chosen[ballot.id],
                         suggestion=ballot.suggestion, cast_at=ballot.cast_at)
        if ballot.seq != expected_seq or ballot.prev_hash != prev_hash or ballot.hash != chain_hash(prev_hash, text):
            return ChainCheck(ok=False, ballots=count, broken_at=ballot.seq)
        prev_hash = ballot.hash
    return ChainCheck(ok=True, ballots=count)


@followers.on_unsubscribe
def forget_voter(openid: str, now: datetime) -> None:
    """A follower who leaves keeps their (counted, hashed) ballots; only the openid is erased. The voter digest
    stays, so re-following does not give a second vote."""
    db.session.execute(update(Ballot).where(Ballot.openid == openid).values(openid=None))
