"""你点我检: polls, their questions and options, append-only ballots with a hash chain, sampling results, and the
record that each voter was told the results of what they chose.

Ballots are never updated: `ballots` is unique on (poll, openid) and on (poll, seq), and each row stores
`hash = sha256(prev_hash + canonical ballot)` so a changed or deleted row shows (see services/ballots.py).
Staff are recorded by username (no foreign key to the console's tables).
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class PollStatus(StrEnum):
    DRAFT = "draft"             # being written; invisible to followers
    SCHEDULED = "scheduled"     # approved; the scheduler opens it at opens_at
    OPEN = "open"               # accepting ballots until closes_at
    CLOSED = "closed"           # voting over; tallies final
    SAMPLING = "sampling"       # the top items are being sampled and tested
    PUBLISHED = "published"     # results published and voters told
    ARCHIVED = "archived"       # taken out of the chat (a demo, a mistake, an old poll); ballots and results kept


class Verdict(StrEnum):
    PASS = "pass"               # 合格
    FAIL = "fail"               # 不合格


class Poll(db.Model):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=PollStatus.DRAFT, index=True)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    allow_suggestion: Mapped[bool] = mapped_column(default=True)    # the optional 其他建议 free text
    created_by: Mapped[str] = mapped_column(String(64))             # staff username
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    questions: Mapped[list[Question]] = relationship(
        back_populates="poll", order_by="Question.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Poll {self.id} {self.status}>"


class Question(db.Model):
    __tablename__ = "poll_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(200))
    max_picks: Mapped[int] = mapped_column(default=1)
    top_n: Mapped[int] = mapped_column(default=3)                   # how many of the most-named get sampled

    poll: Mapped[Poll] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan")


class Option(db.Model):
    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_questions.id"), index=True)
    position: Mapped[int]                                           # 1-based: the number a follower replies
    label: Mapped[str] = mapped_column(String(100))

    question: Mapped[Question] = relationship(back_populates="options")


class Ballot(db.Model):
    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "openid"),
        UniqueConstraint("poll_id", "voter_digest"),
        UniqueConstraint("poll_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    seq: Mapped[int]                                                # 1, 2, 3… per poll: the chain's order
    openid: Mapped[str | None] = mapped_column(String(64))          # erased when the follower unsubscribes
    voter_digest: Mapped[str] = mapped_column(String(64))           # sha256(openid): one ballot per person, kept
    suggestion: Mapped[str | None] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(index=True)
    subscribed_at: Mapped[datetime | None]                          # the voter's follow time when they voted
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    choices: Mapped[list[BallotChoice]] = relationship(back_populates="ballot", order_by="BallotChoice.option_id")


class BallotChoice(db.Model):
    __tablename__ = "ballot_choices"
    __table_args__ = (UniqueConstraint("ballot_id", "option_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_questions.id"))
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id"), index=True)

    ballot: Mapped[Ballot] = relationship(back_populates="choices")


class SamplingBatch(db.Model):
    __tablename__ = "sampling_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    results: Mapped[list[SamplingResult]] = relationship(
        back_populates="batch", order_by="SamplingResult.id", cascade="all, delete-orphan")


class SamplingResult(db.Model):
    __tablename__ = "sampling_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("sampling_batches.id"), index=True)
    sample_name: Mapped[str] = mapped_column(String(100))           # 样品名称
    brand: Mapped[str] = mapped_column(String(100), default="")     # 商标/品牌
    producer: Mapped[str] = mapped_column(String(200), default="")  # 标称生产企业
    place: Mapped[str] = mapped_column(String(200))                 # 被抽样单位/场所
    # where the sample was taken: the department that handles a 不合格 result (核查处置); None routes by `place`
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    sampled_on: Mapped[date]
    verdict: Mapped[str] = mapped_column(String(8))
    failing_item: Mapped[str] = mapped_column(String(200), default="")   # 不合格项目
    hazard_note: Mapped[str] = mapped_column(Text, default="")            # plain-language 风险提示
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))            # who entered it: may not also publish it

    batch: Mapped[SamplingBatch] = relationship(back_populates="results")
    links: Mapped[list[SamplingResultOption]] = relationship(cascade="all, delete-orphan")

    @property
    def option_ids(self) -> list[int]:
        return [link.option_id for link in self.links]


class SamplingResultOption(db.Model):
    """Which poll options (a food, a place) a sampling result answers: their voters are told."""

    __tablename__ = "sampling_result_options"
    __table_args__ = (UniqueConstraint("result_id", "option_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("sampling_results.id"))
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id"), index=True)


class VoterNotice(db.Model):
    """One voter told the results of one published batch: claimed (pending) before sending, so each is told once."""

    __tablename__ = "voter_notices"
    __table_args__ = (UniqueConstraint("batch_id", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("sampling_batches.id"))
    openid: Mapped[str] = mapped_column(String(64))
    result_ids: Mapped[str] = mapped_column(String(500))            # comma-separated, what the notice told
    channel: Mapped[str | None] = mapped_column(String(16))         # None while pending; notify.reach's answer
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
