"""你点我检 polls: define and edit a poll, move it through its statuses, find the poll a follower sees, and count.

Statuses and their allowed moves are data (`ALLOWED`). The scheduler opens scheduled polls and closes open ones on
time (`open_due`, `close_due`). Live tallies are a Redis cache of the ballots table (`keys.poll_tally`):
`tallies` uses the cache only when its ballot count equals the table's, and `reconcile` rebuilds it from the
ballots, so losing Redis loses no vote. Casting a ballot lives in services/ballots.py.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

import logs
from extensions import db, redis
from models.poll import Ballot, BallotChoice, Option, Poll, PollStatus, Question
from services import Conflict, Invalid, NotFound, audit, keys, ownership

log = logs.get(__name__)

ALLOWED: dict[PollStatus, set[PollStatus]] = {
    PollStatus.DRAFT: {PollStatus.SCHEDULED, PollStatus.OPEN, PollStatus.ARCHIVED},
    PollStatus.SCHEDULED: {PollStatus.DRAFT, PollStatus.OPEN, PollStatus.ARCHIVED},
    PollStatus.OPEN: {PollStatus.CLOSED, PollStatus.ARCHIVED},
    PollStatus.CLOSED: {PollStatus.SAMPLING, PollStatus.ARCHIVED},
    PollStatus.SAMPLING: {PollStatus.PUBLISHED, PollStatus.ARCHIVED},
    PollStatus.PUBLISHED: {PollStatus.ARCHIVED},
    PollStatus.ARCHIVED: set(),
}
STATUS_LABELS = {PollStatus.DRAFT: "草稿", PollStatus.SCHEDULED: "待开始", PollStatus.OPEN: "投票中",
                 PollStatus.CLOSED: "已结束", PollStatus.SAMPLING: "抽检中", PollStatus.PUBLISHED: "已公布",
                 PollStatus.ARCHIVED: "已归档"}
EDITABLE = {PollStatus.DRAFT, PollStatus.SCHEDULED}

MAX_OPTIONS = 30
NOT_FOUND = "没有找到这个投票"
BAD_MOVE = "投票当前为「{now}」，不能改为「{to}」"
NOT_EDITABLE = "投票已开始，题目和选项不能再修改"
TITLE_NEEDED = "请填写投票标题（100字以内）"
QUESTIONS_NEEDED = "至少需要一个题目"
QUESTION_TEXT_NEEDED = "第{n}题缺少题目内容"
OPTIONS_NEEDED = "第{n}题至少需要2个选项，最多{max}个"
OPTION_BLANK = "第{n}题有空白或重复的选项"
MAX_PICKS_RANGE = "第{n}题最多可选项数应在1到{count}之间"
TOP_N_RANGE = "第{n}题抽检前几名应在1到{count}之间"
TIMES_ORDER = "结束时间应晚于开始时间"
ALREADY_ENDED = "结束时间已过，不能开始投票"
ONE_AT_A_TIME = "同一时间只能有一个投票：与「{title}」（{status}）的投票时间重叠。消费者发“投票”只能进入一个投票，请先结束那个投票或调整时间"
START_PASSED = "开始时间已过，请直接开始投票"


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    options: Sequence[str]
    max_picks: int = 1
    top_n: int = 3


@dataclass(frozen=True)
class OptionCount:
    option_id: int
    position: int
    label: str
    count: int
    share: float          # of all ballots (several picks each, so shares add up to more than 1)
    rank: int
    top: bool             # within the question's top N: to be sampled


@dataclass(frozen=True)
class QuestionTally:
    question_id: int
    text: str
    top_n: int
    options: tuple[OptionCount, ...]   # ranked, most-named first


@dataclass(frozen=True)
class Tally:
    poll_id: int
    ballots: int
    questions: tuple[QuestionTally, ...]


def get(poll_id: int) -> Poll:
    """The poll with its questions and options (one query; chat steps read all of them)."""
    poll = db.session.get(Poll, poll_id, options=[selectinload(Poll.questions).selectinload(Question.options)])
    if poll is None:
        raise NotFound(NOT_FOUND)
    return poll


def listing() -> list[Poll]:
    return list(db.session.scalars(select(Poll).order_by(Poll.opens_at.desc(), Poll.id.desc())))


def _actor(by: Any) -> str:
    return (getattr(by, "username", None) or str(by or "system"))[:64]


def _snapshot(poll: Poll) -> dict[str, Any]:
    return {"title": poll.title, "status": poll.status, "opens_at": poll.opens_at, "closes_at": poll.closes_at,
            "allow_suggestion": poll.allow_suggestion,
            "questions": [{"text": q.text, "max_picks": q.max_picks, "top_n": q.top_n,
                           "options": [o.label for o in q.options]} for q in poll.questions]}


def _validate(title: str, questions: Sequence[QuestionSpec], opens_at: datetime, closes_at: datetime) -> None:
    if not title.strip() or len(title.strip()) > 100:
        raise Invalid(TITLE_NEEDED, field="title")
    if not questions:
        raise Invalid(QUESTIONS_NEEDED, field="questions")
    for n, spec in enumerate(questions, start=1):
        labels = [label.strip() for label in spec.options]
        if not spec.text.strip():
            raise Invalid(QUESTION_TEXT_NEEDED.format(n=n), field="questions")
        if not 2 <= len(labels) <= MAX_OPTIONS:
            raise Invalid(OPTIONS_NEEDED.format(n=n, max=MAX_OPTIONS), field="questions")
        if any(not label or len(label) > 100 for label in labels) or len(set(labels)) != len(labels):
            raise Invalid(OPTION_BLANK.format(n=n), field="questions")
        if not 1 <= spec.max_picks <= len(labels):
            raise Invalid(MAX_PICKS_RANGE.format(n=n, count=len(labels)), field="questions")
        if not 1 <= spec.top_n <= len(labels):
            raise Invalid(TOP_N_RANGE.format(n=n, count=len(labels)), field="questions")
    if closes_at <= opens_at:
        raise Invalid(TIMES_ORDER, field="closes_at")


def _build_questions(questions: Sequence[QuestionSpec]) -> list[Question]:
    return [Question(position=n, text=spec.text.strip(), max_picks=spec.max_picks, top_n=spec.top_n,
                     options=[Option(position=i, label=label.strip()) for i, label in enumerate(spec.options, 1)])
            for n, spec in enumerate(questions, start=1)]


def create(*, title: str, description: str = "", questions: Sequence[QuestionSpec], opens_at: datetime,
           closes_at: datetime, allow_suggestion: bool = True, by: Any, now: datetime) -> Poll:
    """Create a draft poll (audited; the caller commits)."""
    _validate(title, questions, opens_at, closes_at)
    poll = Poll(title=title.strip(), description=description.strip(), status=PollStatus.DRAFT, opens_at=opens_at,
                closes_at=closes_at, allow_suggestion=allow_suggestion, created_by=_actor(by), created_at=now,
                updated_at=now, questions=_build_questions(questions))
    db.session.add(poll)
    db.session.flush()
    audit.record(actor=by, action="poll.create", obj_type="poll", obj_id=poll.id, after=_snapshot(poll), now=now)
    return poll


def update(*, poll_id: int, title: str, description: str = "", questions: Sequence[QuestionSpec],
           opens_at: datetime, closes_at: datetime, allow_suggestion: bool = True, by: Any, now: datetime) -> Poll:
    """Replace a draft or scheduled poll's definition (audited; the caller commits)."""
    poll = get(poll_id)
    ownership.require_same_department(actor=by, author=poll.created_by, what="投票活动")
    if poll.status not in EDITABLE:
        raise Conflict(NOT_EDITABLE)
    _validate(title, questions, opens_at, closes_at)
    before = _snapshot(poll)
    poll.title, poll.description = title.strip(), description.strip()
    poll.opens_at, poll.closes_at, poll.allow_suggestion = opens_at, closes_at, allow_suggestion
    poll.questions.clear()
    db.session.flush()
    poll.questions.extend(_build_questions(questions))
    poll.updated_at = now
    db.session.flush()
    changed_before, changed_after = audit.changed(before, _snapshot(poll))
    audit.record(actor=by, action="poll.update", obj_type="poll", obj_id=poll.id, before=changed_before,
                 after=changed_after, now=now)
    return poll


def transition(*, poll_id: int, to: PollStatus, by: Any, now: datetime) -> Poll:
    """Move a poll to `to` if `ALLOWED` says so (audited; the caller commits)."""
    poll = get(poll_id)
    ownership.require_same_department(actor=by, author=poll.created_by, what="投票活动")
    current = PollStatus(poll.status)
    if to not in ALLOWED[current]:
        raise Conflict(BAD_MOVE.format(now=STATUS_LABELS[current], to=STATUS_LABELS[to]))
    if to == PollStatus.SCHEDULED and poll.opens_at <= now:
        raise Conflict(START_PASSED)
    if to in (PollStatus.OPEN, PollStatus.SCHEDULED):
        _require_no_overlap(poll, start=min(poll.opens_at, now) if to == PollStatus.OPEN else poll.opens_at)
    if to == PollStatus.OPEN:
        if poll.closes_at <= now:
            raise Conflict(ALREADY_ENDED)
        poll.opens_at, poll.opened_at = min(poll.opens_at, now), now
    if to == PollStatus.CLOSED:
        poll.closes_at, poll.closed_at = min(poll.closes_at, now), now
    if to == PollStatus.PUBLISHED:
        poll.published_at = now
    if to == PollStatus.ARCHIVED and poll.closed_at is None:      # an open poll stops taking ballots
        poll.closes_at, poll.closed_at = min(poll.closes_at, now), now
    poll.status, poll.updated_at = to, now
    audit.record(actor=by, action=f"poll.{to}", obj_type="poll", obj_id=poll.id, before={"status": current},
                 after={"status": to}, now=now)
    return poll


def _require_no_overlap(poll: Poll, *, start: datetime) -> None:
    """One poll at a time: a follower's 投票 reaches only one poll (for_followers), so two polls open at once would
    leave the other unreachable. Its window may not overlap another open or scheduled poll's."""
    other = db.session.scalars(select(Poll).where(
        Poll.id != poll.id, Poll.status.in_([PollStatus.OPEN, PollStatus.SCHEDULED]),
        Poll.opens_at < poll.closes_at, Poll.closes_at > start).order_by(Poll.opens_at).limit(1)).first()
    if other is not None:
        raise Conflict(ONE_AT_A_TIME.format(title=other.title, status=STATUS_LABELS[PollStatus(other.status)]),
                       field="opens_at")


def open_due(*, now: datetime) -> int:
    """Open every scheduled poll whose opening time has come; returns how many (the caller commits)."""
    due = db.session.scalars(select(Poll.id).where(Poll.status == PollStatus.SCHEDULED, Poll.opens_at <= now,
                                                   Poll.closes_at > now)).all()
    opened = 0
    for poll_id in due:
        try:
            transition(poll_id=poll_id, to=PollStatus.OPEN, by="scheduler", now=now)
            opened += 1
        except Conflict:          # another poll is open (opened early by hand): this one waits, staff see why
            log.warning("poll not opened: another is open", poll=poll_id)
    db.session.flush()
    return opened


def close_due(*, now: datetime) -> int:
    """Close every open poll whose closing time has passed, and rebuild its tally; returns how many (the caller commits)."""
    due = db.session.scalars(select(Poll.id).where(Poll.status == PollStatus.OPEN, Poll.closes_at <= now)).all()
    for poll_id in due:
        transition(poll_id=poll_id, to=PollStatus.CLOSED, by="scheduler", now=now)
    db.session.flush()
    for poll_id in due:
        reconcile(poll_id=poll_id, now=now)
    return len(due)


def accepting(poll: Poll, now: datetime) -> bool:
    return poll.status == PollStatus.OPEN and poll.opens_at <= now < poll.closes_at


def for_followers(*, now: datetime) -> Poll | None:
    """The poll a follower is shown: the open one (latest opened first); else the next scheduled one; else the
    most recently closed one (archived polls are never shown). None when there is no such poll."""
    open_polls = select(Poll).where(Poll.status == PollStatus.OPEN, Poll.opens_at <= now, Poll.closes_at > now)
    upcoming = select(Poll).where(Poll.status.in_([PollStatus.SCHEDULED, PollStatus.OPEN]), Poll.opens_at > now)
    ended = select(Poll).where(Poll.status.notin_([PollStatus.DRAFT, PollStatus.SCHEDULED, PollStatus.ARCHIVED]),
                               Poll.closes_at <= now)
    return (db.session.scalars(open_polls.order_by(Poll.opens_at.desc()).limit(1)).first()
            or db.session.scalars(upcoming.order_by(Poll.opens_at).limit(1)).first()
            or db.session.scalars(ended.order_by(Poll.closes_at.desc()).limit(1)).first())


# --- tallies: a Redis cache of the ballots table ----------------------------------------------------------------
def _build_tally(poll: Poll, ballots: int, counts: dict[int, int]) -> Tally:
    questions = []
    for question in poll.questions:
        ordered = sorted(question.options, key=lambda o: (-counts.get(o.id, 0), o.position))
        ranked, rank, previous = [], 0, None
        for index, option in enumerate(ordered, start=1):
            count = counts.get(option.id, 0)
            if count != previous:
                rank, previous = index, count
            ranked.append(OptionCount(option_id=option.id, position=option.position, label=option.label, count=count,
                                      share=round(count / ballots, 4) if ballots else 0.0, rank=rank,
                                      top=count > 0 and rank <= question.top_n))
        questions.append(QuestionTally(question_id=question.id, text=question.text, top_n=question.top_n,
                                       options=tuple(ranked)))
    return Tally(poll_id=poll.id, ballots=ballots, questions=tuple(questions))


def _count_ballots(poll_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll_id)) or 0


def _count_from_ballots(poll_id: int) -> tuple[int, dict[int, int]]:
    rows = db.session.execute(
        select(BallotChoice.option_id, func.count()).join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.poll_id == poll_id).group_by(BallotChoice.option_id)).all()
    return _count_ballots(poll_id), {option_id: n for option_id, n in rows}


_BUMP = """
if redis.call('HEXISTS', KEYS[1], 'ready') == 1 then
  redis.call('HINCRBY', KEYS[1], 'ballots', 1)
  for _, field in ipairs(ARGV) do redis.call('HINCRBY', KEYS[1], field, 1) end
  return 1
end
return 0
"""


def count_ballot(*, poll_id: int, option_ids: Sequence[int]) -> None:
    """Add a committed ballot to the cached tally. A cache that is not built yet is left for reconcile."""
    try:
        redis.eval(_BUMP, 1, keys.poll_tally(poll_id), *[f"o:{i}" for i in option_ids])
    except RedisError:
        log.warning("tally cache not updated; reconcile will rebuild it", poll=poll_id)


def reconcile(*, poll_id: int, now: datetime) -> Tally:
    """Rebuild the cached tally from the ballots table and return it (the same Tally `tallies` gives)."""
    poll = get(poll_id)
    ballots, counts = _count_from_ballots(poll_id)
    mapping = {"ready": 1, "ballots": ballots, **{f"o:{i}": n for i, n in counts.items()}}
    try:
        scratch = keys.poll_tally_rebuild(poll_id)
        pipe = redis.pipeline()
        pipe.delete(scratch)
        pipe.hset(scratch, mapping=mapping)
        pipe.expire(scratch, keys.POLL_TALLY_REBUILD_TTL)
        pipe.rename(scratch, keys.poll_tally(poll_id))
        pipe.execute()
    except RedisError:
        log.warning("tally cache not rebuilt", poll=poll_id)
    log.info("tally reconciled", poll=poll_id, ballots=ballots, at=now.isoformat())
    return _build_tally(poll, ballots, counts)


def tallies(*, poll_id: int, now: datetime) -> Tally:
    """The poll's ranked tallies: from the cache when it agrees with the ballot count, else rebuilt."""
    poll = get(poll_id)
    try:
        cached = redis.hgetall(keys.poll_tally(poll_id))
    except RedisError:
        cached = {}
    if cached.get("ready") and int(cached.get("ballots", -1)) == _count_ballots(poll_id):
        counts = {int(k[2:]): int(v) for k, v in cached.items() if k.startswith("o:")}
        return _build_tally(poll, int(cached["ballots"]), counts)
    return reconcile(poll_id=poll_id, now=now)


def reconcile_active(*, now: datetime) -> int:
    """Rebuild the tallies of every open or just-closed poll (the scheduler's job); returns how many."""
    ids = db.session.scalars(select(Poll.id).where(Poll.status.in_([PollStatus.OPEN, PollStatus.CLOSED]))).all()
    for poll_id in ids:
        reconcile(poll_id=poll_id, now=now)
    return len(ids)
