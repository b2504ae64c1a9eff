"""Publications (消费警示, 消费提示, 典型案例, 抽检结果) and everything that records their delivery.

`Publication` is what staff write, approve and schedule; its status moves only along `ALLOWED`. A recurring
publication (`recurrence` = a cron line) stays `scheduled` and spawns one child per occurrence (`parent_id`,
`occurrence_at`, unique), so each occurrence is delivered once.

`Delivery` is the exactly-once backbone: one row per (publication, openid), unique, claimed before the send.
`MassJob` is one mass-send batch with its deterministic `clientmsgid` and the MASSSENDJOBFINISH counts.
`KindPreference` is a follower's 订阅 / 退订 per kind. Staff are stored by username (no FK to staff).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class Kind(StrEnum):
    """A publication's kind, stored as this English code (`publications.kind`, `publication_preferences.kind`).
    Staff and followers only ever read `label`; followers type `word` (退订 警示, 警示 预付卡). Both come from
    `KIND_NAMES`, the one table of the kinds' Chinese names."""
    WARNING = "warning"
    TIP = "tip"
    CASE = "case"
    SAMPLING = "sampling"

    @property
    def label(self) -> str:
        """What staff and followers read: 消费警示."""
        return KIND_NAMES[self][0]

    @property
    def word(self) -> str:
        """The short word a follower types: 警示."""
        return KIND_NAMES[self][1]


KIND_NAMES: dict[Kind, tuple[str, str]] = {
    Kind.WARNING: ("消费警示", "警示"),
    Kind.TIP: ("消费提示", "提示"),
    Kind.CASE: ("典型案例", "案例"),
    Kind.SAMPLING: ("抽检结果", "抽检"),
}


def kind_label(code: str) -> str:
    """The Chinese label of a stored kind code; an unknown code is shown as it is."""
    try:
        return Kind(code).label
    except ValueError:
        return code


class Status(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    MISSED = "missed"            # fell due while the scheduler was down for longer than the grace period
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"      # was sent; staff took it out of the chat listings (警示/案例) afterwards


ALLOWED: dict[Status, set[Status]] = {
    Status.DRAFT: {Status.REVIEW, Status.CANCELLED},
    Status.REVIEW: {Status.APPROVED, Status.DRAFT, Status.CANCELLED},
    Status.APPROVED: {Status.SCHEDULED, Status.SENDING, Status.DRAFT, Status.CANCELLED},
    Status.SCHEDULED: {Status.SENDING, Status.APPROVED, Status.MISSED, Status.CANCELLED},
    Status.MISSED: {Status.SCHEDULED, Status.SENDING, Status.CANCELLED},
    Status.SENDING: {Status.SENT},
    Status.SENT: {Status.WITHDRAWN},
    Status.CANCELLED: set(),
    Status.WITHDRAWN: set(),
}


class Audience(StrEnum):
    ALL = "all"                  # every subscribed follower
    TAG = "tag"                  # a WeChat tag (mass send only: WeChat resolves the members)
    POLL_VOTERS = "poll_voters"  # the voters of one poll
    SUBSCRIBERS = "subscribers"  # followers who replied 订阅 for this kind


class Strategy(StrEnum):
    MASS = "mass"                # mass send: 4 per follower per month, clientmsgid per batch
    EACH = "each"                # one message per follower: CS news in the 48 h window, else a template message


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"          # claimed and committed before the send
    SENT = "sent"
    UNCONFIRMED = "unconfirmed"  # found `sending` after a crash: the send may have happened, so never resent
    FAILED = "failed"
    FILTERED = "filtered"        # not sent on purpose: 退订, quota used up, unfollowed


class Channel(StrEnum):
    """How one delivery row reaches its follower (stored in `publication_deliveries.channel`)."""
    MASS = "mass"                # a mass-send batch (MassJob)
    TEMPLATE = "template"        # a template message (outside the 48 h window)
    CUSTOM = "custom"            # a customer-service message (inside the window)


class MassJobStatus(StrEnum):
    """A mass-send batch's progress (stored in `publication_mass_jobs.status`)."""
    PENDING = "pending"
    SUBMITTED = "submitted"      # WeChat accepted the batch; MASSSENDJOBFINISH will report its counts
    FINISHED = "finished"
    FAILED = "failed"


class Publication(db.Model):
    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("parent_id", "occurrence_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)         # Kind code; show `kind_label`
    title: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    cover: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[str] = mapped_column(String(200), default="")      # space-separated keywords (警示 预付卡)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT, index=True)
    strategy: Mapped[str] = mapped_column(String(8), default=Strategy.EACH)
    audience: Mapped[str] = mapped_column(String(16), default=Audience.ALL)
    audience_ref: Mapped[str | None] = mapped_column(String(64))    # tag id or poll id
    author: Mapped[str] = mapped_column(String(64))
    approver: Mapped[str | None] = mapped_column(String(64))
    scheduled_at: Mapped[datetime | None] = mapped_column(index=True)   # naive UTC
    recurrence: Mapped[str | None] = mapped_column(String(64))          # cron line, China time
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"))
    occurrence_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None] = mapped_column(index=True)   # first went out; chat lists by this
    note: Mapped[str | None] = mapped_column(String(200))               # why it was missed or refused
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def kind_label(self) -> str:
        """消费警示 / 消费提示 / 典型案例 / 抽检结果, as staff and followers read the kind."""
        return kind_label(self.kind)

    def __repr__(self) -> str:
        return f"<Publication {self.id} {self.status}>"


class Delivery(db.Model):
    __tablename__ = "publication_deliveries"
    __table_args__ = (
        UniqueConstraint("publication_id", "openid"),
        Index("ix_publication_deliveries_pub_status", "publication_id", "status"),
        Index("ix_publication_deliveries_openid_channel", "openid", "channel", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    openid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))                # Channel
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(String(32))          # unsubscribed_kind | quota | not_following | errcode
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]                             # backoff after -1 / 45009
    claim: Mapped[str | None] = mapped_column(String(32))           # the run that claimed it
    batch_no: Mapped[int | None]                                    # mass: which MassJob carried it
    msgid: Mapped[str | None] = mapped_column(String(32))
    errcode: Mapped[int | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class MassJob(db.Model):
    __tablename__ = "publication_mass_jobs"
    __table_args__ = (UniqueConstraint("publication_id", "batch_no"), UniqueConstraint("client_msg_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    batch_no: Mapped[int]
    client_msg_id: Mapped[str] = mapped_column(String(64))          # deterministic: resend dedups at WeChat (45065)
    size: Mapped[int] = mapped_column(default=0)
    tag_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default=MassJobStatus.PENDING)
    msg_id: Mapped[str | None] = mapped_column(String(32), index=True)
    errcode: Mapped[int | None]
    total_count: Mapped[int | None]                                 # MASSSENDJOBFINISH counts
    filter_count: Mapped[int | None]
    sent_count: Mapped[int | None]
    error_count: Mapped[int | None]
    finish_status: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class KindPreference(db.Model):
    __tablename__ = "publication_preferences"
    __table_args__ = (UniqueConstraint("openid", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))                   # Kind code
    subscribed: Mapped[bool]
    updated_at: Mapped[datetime]


class SchedulerLease(db.Model):
    """Who may act as the scheduler: one row per lease name, renewed by its holder until `expires_at`."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
