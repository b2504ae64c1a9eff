"""A 投诉 or 举报 case: what the consumer filed, where it is routed, its status and its running statutory clock.

The history of a case is in `models.case_event`; photos in `models.evidence`; rating, 复核 and reminders in
`models.case_followup`. Status transitions are data in `services.case_flow`.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class Kind(StrEnum):
    COMPLAINT = "complaint"   # 投诉: a consumer's own dispute, mediated
    REPORT = "report"         # 举报: a lead on an illegal act, verified and maybe opened as a case


class Status(StrEnum):
    SUBMITTED = "submitted"   # 待受理 / 待核查
    ACCEPTED = "accepted"     # 已受理，调解中
    PAUSED = "paused"         # 检测鉴定中 (mediation clock stopped)
    REJECTED = "rejected"     # 不予受理
    FILED = "filed"           # 举报: 已立案
    NOT_FILED = "not_filed"   # 举报: 不予立案
    CLOSED = "closed"         # 已办结
    WITHDRAWN = "withdrawn"   # 已撤回


class Wish(StrEnum):
    RETURN = "退货"
    EXCHANGE = "换货"
    REPAIR = "维修"
    REFUND = "退款"
    COMPENSATION = "赔偿"
    OTHER = "其他"


class Outcome(StrEnum):
    SETTLED = "调解成功"
    FAILED = "调解不成"
    TERMINATED = "终止"
    HANDLED = "已处理"       # 举报: the opened case is concluded


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("openid", "intake_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)        # TS20261128-0001 / JB20261128-0001
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    intake_token: Mapped[str] = mapped_column(String(32))              # one per chat intake: a re-sent 确认 files once

    business_name: Mapped[str] = mapped_column(String(100))
    business_address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    story: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    wish: Mapped[str | None] = mapped_column(String(120))          # 诉求: one or more, 其他 with its words
    name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    anonymous: Mapped[bool] = mapped_column(default=False)
    sector: Mapped[str] = mapped_column(String(32), default="")

    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)

    received_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    # The running statutory clock (services.deadlines); `due_on` is stored once told, never recomputed silently.
    clock: Mapped[str | None] = mapped_column(String(32))
    clock_started_at: Mapped[datetime | None]
    due_on: Mapped[date | None]
    due_estimated: Mapped[bool] = mapped_column(default=False)         # the calendar did not know that year
    paused_at: Mapped[datetime | None]
    paused_days: Mapped[int] = mapped_column(default=0)
    late: Mapped[bool] = mapped_column(default=False)                  # some clock stopped after its due date

    reject_reason: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    number_12315: Mapped[str | None] = mapped_column(String(40))
    recovered: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))   # 挽回经济损失 (元), optional at 办结

    @property
    def kind_label(self) -> str:
        return "投诉" if self.kind == Kind.COMPLAINT else "举报"

    def __repr__(self) -> str:
        return f"<Case {self.number} {self.status}>"


class CaseCounter(db.Model):
    """The last number issued per prefix and China day; incremented under a row lock."""

    __tablename__ = "case_counters"

    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
