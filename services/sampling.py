"""Sampling results of a 你点我检 poll: batches of test results, publishing them, telling each voter, and search.

A result answers one or more poll options (the food, the place). Publishing a batch queues one `VoterNotice` per
voter who chose any of its options — unique on (batch, openid), so publishing twice tells nobody twice — and
`notify_voters` claims each pending notice with a conditional UPDATE before `notify.reach` delivers it
(customer-service message in the 48-hour window, else template, else at the follower's next message).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, update

import logs
from extensions import db
from models.poll import (Ballot, BallotChoice, Option, Poll, PollStatus, Question, SamplingBatch, SamplingResult,
                         SamplingResultOption, Verdict, VoterNotice)
from models.staff import Staff
from services import Conflict, Invalid, NotFound, PermissionDenied, audit, disposals, notify, polls, tx
from services.sender import Sender

log = logs.get(__name__)

VERDICT_LABELS = {Verdict.PASS: "合格", Verdict.FAIL: "不合格"}
BATCH_NOT_FOUND = "没有找到这个抽检批次"
RESULT_NOT_FOUND = "没有找到这条抽检结果"
NOT_SAMPLING = "投票进入「抽检中」后才能录入抽检结果"
BATCH_PUBLISHED = "这个批次已经公布，不能再修改"
SECOND_PERSON = "抽检结果会公开点名商家，须由录入结果以外的同事核对后公布"
NOTHING_TO_PUBLISH = "没有待公布的抽检结果（每个批次至少录入一条结果）"
FIELD_NEEDED = "请填写{label}"
FAIL_NEEDS_ITEM = "不合格的结果请填写不合格项目和风险提示"
OPTION_NOT_IN_POLL = "关联的选项不属于这个投票"
VOTER_NOTICE = "您在「{poll}」中投票关注的项目已有抽检结果：\n{lines}\n发送“抽检结果 {first}”可查看详情。感谢您的参与！"
RESULT_LINE = "· {name}（{brand}{place}）：{verdict}{detail}"
FAIL_DETAIL = "，不合格项目：{item}。{hazard}"
TEMPLATE_FIRST = "您投票关注的食品已完成抽检"
TEMPLATE_REMARK = "发送“抽检结果”可查看全部结果。感谢您参与你点我检！"

REQUIRED = {"sample_name": "样品名称", "place": "抽样地点"}


@dataclass(frozen=True)
class ResultSpec:
    sample_name: str
    place: str
    sampled_on: date
    verdict: Verdict
    brand: str = ""
    producer: str = ""
    failing_item: str = ""
    hazard_note: str = ""
    option_ids: Sequence[int] = field(default_factory=tuple)
    department_id: int | None = None    # where the sample was taken; None routes a 不合格 by `place`


@dataclass(frozen=True)
class PublishOutcome:
    batches: int
    notices: int            # voters queued to be told (not yet sent)
    disposals: int = 0      # 核查处置 cases opened for 不合格 results


def get_batch(batch_id: int) -> SamplingBatch:
    batch = db.session.get(SamplingBatch, batch_id)
    if batch is None:
        raise NotFound(BATCH_NOT_FOUND)
    return batch


def batches(poll_id: int) -> list[SamplingBatch]:
    return list(db.session.scalars(select(SamplingBatch).where(SamplingBatch.poll_id == poll_id)
                                   .order_by(SamplingBatch.id)))


def add_batch(*, poll_id: int, title: str, by: Any, now: datetime) -> SamplingBatch:
    """Open a batch of results for a poll in sampling (or already published, for a later batch). Caller commits."""
    poll = polls.get(poll_id)
    if poll.status not in {PollStatus.SAMPLING, PollStatus.PUBLISHED}:
        raise Conflict(NOT_SAMPLING)
    if not title.strip():
        raise Invalid(FIELD_NEEDED.format(label="批次名称"), field="title")
    batch = SamplingBatch(poll_id=poll_id, title=title.strip()[:100], created_by=polls._actor(by), created_at=now)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor=by, action="poll.batch.create", obj_type="poll", obj_id=poll_id,
                 after={"batch": batch.id, "title": batch.title}, now=now)
    return batch


def _check(spec: ResultSpec, poll_id: int) -> None:
    for name, label in REQUIRED.items():
        if not str(getattr(spec, name) or "").strip():
            raise Invalid(FIELD_NEEDED.format(label=label), field=name)
    if spec.verdict == Verdict.FAIL and not (spec.failing_item.strip() and spec.hazard_note.strip()):
        raise Invalid(FAIL_NEEDS_ITEM, field="failing_item")
    if spec.option_ids:
        found = db.session.scalars(select(Option.id).join(Question).where(
            Question.poll_id == poll_id, Option.id.in_(spec.option_ids))).all()
        if len(set(found)) != len(set(spec.option_ids)):
            raise Invalid(OPTION_NOT_IN_POLL, field="option_ids")


def add_result(*, batch_id: int, spec: ResultSpec, by: Any, now: datetime) -> SamplingResult:
    """Record one test result in an unpublished batch (audited; the caller commits)."""
    batch = get_batch(batch_id)
    if batch.published_at is not None:
        raise Conflict(BATCH_PUBLISHED)
    _check(spec, batch.poll_id)
    result = SamplingResult(
        batch_id=batch.id, sample_name=spec.sample_name.strip()[:100], brand=spec.brand.strip()[:100],
        producer=spec.producer.strip()[:200], place=spec.place.strip()[:200], sampled_on=spec.sampled_on,
        verdict=Verdict(spec.verdict), failing_item=spec.failing_item.strip()[:200],
        hazard_note=spec.hazard_note.strip(), created_at=now, created_by=polls._actor(by),
        department_id=spec.department_id,
        links=[SamplingResultOption(option_id=i) for i in dict.fromkeys(spec.option_ids)])
    db.session.add(result)
    db.session.flush()
    audit.record(actor=by, action="poll.result.create", obj_type="poll", obj_id=batch.poll_id,
                 after={"result": result.id, "sample_name": result.sample_name, "verdict": result.verdict}, now=now)
    return result


def remove_result(*, result_id: int, by: Any, now: datetime) -> None:
    result = db.session.get(SamplingResult, result_id)
    if result is None:
        raise NotFound(RESULT_NOT_FOUND)
    if result.batch.published_at is not None:
        raise Conflict(BATCH_PUBLISHED)
    audit.record(actor=by, action="poll.result.delete", obj_type="poll", obj_id=result.batch.poll_id,
                 before={"result": result.id, "sample_name": result.sample_name}, now=now)
    db.session.delete(result)


def _require_second_person(ready: list[SamplingBatch], by: Any) -> None:
    """Four eyes: a published result names a shop, so a staff member who entered any of the results cannot also
    publish them (issue 16 §4). Operators at the command line (`by` a plain label, not a Staff) are not held to it."""
    if not isinstance(by, Staff):
        return
    entrants = {r.created_by for b in ready for r in b.results if r.created_by}
    if by.username in entrants:
        raise PermissionDenied(SECOND_PERSON)


def publish(*, poll_id: int, by: Any, now: datetime) -> PublishOutcome:
    """Publish every unpublished batch that has results and queue a notice for each voter of their items.

    Moves the poll from sampling to published the first time, and opens a 核查处置 case for each 不合格 result in
    the same transaction (`services.disposals`). The caller commits (before `notify_voters` tells anyone)."""
    poll = polls.get(poll_id)
    ready = [b for b in batches(poll_id) if b.published_at is None and b.results]
    if poll.status not in {PollStatus.SAMPLING, PollStatus.PUBLISHED} or not ready:
        raise Conflict(NOTHING_TO_PUBLISH)
    _require_second_person(ready, by)
    if poll.status == PollStatus.SAMPLING:
        polls.transition(poll_id=poll_id, to=PollStatus.PUBLISHED, by=by, now=now)
    queued = opened = 0
    for batch in ready:
        batch.published_at = now
        queued += _queue_notices(poll, batch, now)
        opened += len(disposals.open_for_batch(batch=batch, by=by, now=now))
        audit.record(actor=by, action="poll.batch.publish", obj_type="poll", obj_id=poll_id,
                     after={"batch": batch.id, "results": len(batch.results)}, now=now)
    db.session.flush()
    log.info("sampling results published", poll=poll_id, batches=len(ready), notices=queued, disposals=opened)
    return PublishOutcome(batches=len(ready), notices=queued, disposals=opened)


def _queue_notices(poll: Poll, batch: SamplingBatch, now: datetime) -> int:
    results_by_option: dict[int, set[int]] = defaultdict(set)
    for result in batch.results:
        for option_id in result.option_ids:
            results_by_option[option_id].add(result.id)
    if not results_by_option:
        return 0
    rows = db.session.execute(
        select(Ballot.openid, BallotChoice.option_id).join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.poll_id == poll.id, Ballot.openid.is_not(None),
               BallotChoice.option_id.in_(list(results_by_option)))).all()
    told: dict[str, set[int]] = defaultdict(set)
    for openid, option_id in rows:
        told[openid] |= results_by_option[option_id]
    already = set(db.session.scalars(select(VoterNotice.openid).where(VoterNotice.batch_id == batch.id)))
    for openid, result_ids in told.items():
        if openid not in already:
            db.session.add(VoterNotice(poll_id=poll.id, batch_id=batch.id, openid=openid,
                                       result_ids=",".join(map(str, sorted(result_ids))), created_at=now))
    return len(set(told) - already)


def describe(result: SamplingResult, outcome: str | None = None) -> str:
    """One result as a line a consumer reads; `outcome` is its published 核查处置 result, when there is one."""
    brand = f"{result.brand}，" if result.brand else ""
    detail = FAIL_DETAIL.format(item=result.failing_item, hazard=result.hazard_note) \
        if result.verdict == Verdict.FAIL else ""
    if outcome:
        detail += "\n  " + disposals.OUTCOME_LINE.format(outcome=outcome)
    return RESULT_LINE.format(name=result.sample_name, brand=brand, place=result.place,
                              verdict=VERDICT_LABELS[Verdict(result.verdict)], detail=detail)


def notice_text(notice: VoterNotice) -> str:
    ids = [int(i) for i in notice.result_ids.split(",") if i]
    results = db.session.scalars(select(SamplingResult).where(SamplingResult.id.in_(ids))
                                 .order_by(SamplingResult.id)).all()
    poll = db.session.get(Poll, notice.poll_id)
    return VOTER_NOTICE.format(poll=poll.title if poll else "你点我检", lines="\n".join(map(describe, results)),
                               first=results[0].sample_name if results else "")


def _template(template_id: str | None, notice: VoterNotice, text: str) -> notify.Template | None:
    """The template message for a voter outside the 48-hour window (when the bureau configured one)."""
    if not template_id:
        return None
    poll = db.session.get(Poll, notice.poll_id)
    return notify.Template(template_id=template_id, data={
        "first": TEMPLATE_FIRST, "keyword1": poll.title if poll else "你点我检", "keyword2": text[:180],
        "remark": TEMPLATE_REMARK})


def notify_voters(*, now: datetime, sender: Sender, poll_id: int | None = None, limit: int = 500,
                  template_id: str | None = None) -> int:
    """Tell each pending voter their items' results, once; returns how many were reached (each one committed by
    `_tell_and_notify`)."""
    pending = select(VoterNotice.id).where(VoterNotice.channel.is_(None)).order_by(VoterNotice.id).limit(limit)
    if poll_id is not None:
        pending = pending.where(VoterNotice.poll_id == poll_id)
    told = sum(_tell_and_notify(notice_id, now=now, sender=sender, template_id=template_id)
               for notice_id in db.session.scalars(pending).all())
    if told:
        log.info("voters told their results", n=told)
    return told


def _tell_and_notify(notice_id: int, *, now: datetime, sender: Sender, template_id: str | None) -> bool:
    """Claim the notice (conditional UPDATE to `sending`) and commit the claim, then send it and commit where it
    went: a second process never takes a claimed notice, and one interrupted mid-send stays `sending`, never resent.
    Returns whether this run told the voter."""
    claimed = db.session.execute(update(VoterNotice).where(VoterNotice.id == notice_id, VoterNotice.channel.is_(None))
                                 .values(channel="sending"))
    tx.commit()
    if claimed.rowcount != 1:        # another process took it
        return False
    notice = db.session.get(VoterNotice, notice_id)
    text = notice_text(notice)
    channel = notify.reach(openid=notice.openid, text=text, source=f"poll:{notice.poll_id}", now=now,
                           sender=sender, template=_template(template_id, notice, text))
    notice.channel, notice.sent_at = channel, now
    tx.commit()
    return True


def search(*, query: str = "", limit: int = 10) -> list[SamplingResult]:
    """Published results, newest first, whose sample, brand, producer or place contains `query`."""
    stmt = select(SamplingResult).join(SamplingBatch).where(SamplingBatch.published_at.is_not(None))
    query = query.strip()
    if query:
        stmt = stmt.where(or_(*(column.contains(query, autoescape=True) for column in (
            SamplingResult.sample_name, SamplingResult.brand, SamplingResult.producer, SamplingResult.place))))
    stmt = stmt.order_by(SamplingBatch.published_at.desc(), SamplingResult.id)
    return list(db.session.scalars(stmt.limit(limit)))
