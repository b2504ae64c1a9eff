"""核查处置: the follow-up of one 不合格 sampling result by the department where the sample was taken.

One `Disposal` per failing result (unique `result_id`: publishing again never opens a second one). Its handling
steps (`DisposalStep`, each recorded once), the reminders sent for its statutory clock (`DisposalReminder`, once per
threshold) and the voters told its published outcome (`DisposalNotice`, once per voter) hang off it.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class DisposalStatus(StrEnum):
    OPEN = "open"              # 核查处置中
    CLOSED = "closed"          # 已结案, outcome written, not yet public
    PUBLISHED = "published"    # 已公开: the outcome is shown to consumers and voters are told


class Step(StrEnum):
    SERVE_REPORT = "serve_report"    # 送达检验报告 (starts the 复检 window)
    RECHECK = "recheck"              # 复检申请 (applied or not)
    OFF_SHELF = "off_shelf"          # 责令下架/召回
    CONTROL_RISK = "control_risk"    # 控制风险
    INVESTIGATE = "investigate"      # 立案调查
    CLOSE = "close"                  # 处罚/结案
    DISCLOSE = "disclose"            # 信息公开


class Disposal(db.Model):
    __tablename__ = "disposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("sampling_results.id"), unique=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(index=True)

    # The statutory clock (services.deadlines), stored when opened so a later edit of the rule does not move it.
    clock: Mapped[str] = mapped_column(String(32))
    clock_started_at: Mapped[datetime]
    due_on: Mapped[date]
    due_estimated: Mapped[bool] = mapped_column(default=False)
    late: Mapped[bool] = mapped_column(default=False)           # closed after its due date

    served_on: Mapped[date | None]                               # 检验报告送达之日
    recheck_due_on: Mapped[date | None]                          # last day the business may apply for 复检
    recheck_applied: Mapped[bool | None]

    outcome: Mapped[str] = mapped_column(Text, default="")       # 处置结果, what consumers read once published
    closed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]

    result = relationship("SamplingResult")
    department = relationship("Department")
    steps: Mapped[list[DisposalStep]] = relationship(order_by="DisposalStep.id", cascade="all, delete-orphan")

    @property
    def number(self) -> str:
        return f"HC{self.id:05d}"


class DisposalStep(db.Model):
    __tablename__ = "disposal_steps"
    __table_args__ = (UniqueConstraint("disposal_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("disposals.id"))
    step: Mapped[str] = mapped_column(String(16))
    on: Mapped[date]                                             # the day it happened (China date)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class DisposalReminder(db.Model):
    """One reminder for one threshold (50 %, 75 %, due, overdue) of one disposal's clock: never twice."""

    __tablename__ = "disposal_reminders"
    __table_args__ = (UniqueConstraint("disposal_id", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("disposals.id"), index=True)
    threshold: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(default=0)


class DisposalNotice(db.Model):
    """One voter told one published outcome: claimed (pending) before sending, so each is told once."""

    __tablename__ = "disposal_notices"
    __table_args__ = (UniqueConstraint("disposal_id", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("disposals.id"), index=True)
    openid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))      # None while pending; notify.reach's answer
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
