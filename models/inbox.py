"""人工值守: one conversation thread per follower with its messages, the duty roster, and staff members' own WeChat.

A thread holds every 人工 request, every message while staff hold it, the in-scope questions the bot could not
answer, messages left out of duty hours, the bot's side of those exchanges, and every staff reply with the channel
that carried it. `version` is the optimistic lock two staff replying at once collide on.
"""
from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class ThreadStatus(StrEnum):
    WAITING = "waiting"      # 待处理: a follower message waits and no staff member holds the thread
    OPEN = "open"            # 处理中: a staff member holds it
    RESOLVED = "resolved"    # 已解决


STATUS_LABELS = {ThreadStatus.WAITING: "待处理", ThreadStatus.OPEN: "处理中", ThreadStatus.RESOLVED: "已解决"}


class MessageKind(StrEnum):
    REQUEST = "request"          # the follower asked for a person (人工)
    MESSAGE = "message"          # the follower wrote while in hand-over
    OFFHOURS = "offhours"        # the follower left a message while nobody was on duty
    UNANSWERED = "unanswered"    # an in-scope question the bot could not answer
    BOT = "bot"                  # what the bot answered, for context
    STAFF = "staff"              # a staff reply
    SYSTEM = "system"            # hand-over started/ended, assigned, resolved


class Thread(db.Model):
    __tablename__ = "inbox_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    handover: Mapped[bool] = mapped_column(default=False)        # the follower's free text goes to this thread
    handover_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None] = mapped_column(index=True)   # oldest follower message not yet answered
    alerted_at: Mapped[datetime | None]          # on-duty staff told of the wait
    sla_alerted_at: Mapped[datetime | None]      # told the first-response SLA is about to break
    last_follower_at: Mapped[datetime | None]
    last_staff_at: Mapped[datetime | None]
    preview: Mapped[str] = mapped_column(String(120), default="")
    # 转为投诉: the complaint staff prefilled, waiting for the follower's 同意 (consent) and 确认; nothing filed before.
    draft: Mapped[dict | None] = mapped_column(JSON)
    draft_token: Mapped[str | None] = mapped_column(String(32))      # the intake token: a re-sent 确认 files once
    draft_consented: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class ThreadMessage(db.Model):
    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_messages_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("inbox_threads.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[str | None] = mapped_column(String(16))    # custom | template | subscription | deferred


class DutySlot(db.Model):
    """The weekly pattern: on `weekday` (0 = Monday) from `start` to `end` (China time) `staff_id` is on duty."""
    __tablename__ = "inbox_duty_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int]
    start: Mapped[time]
    end: Mapped[time]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)


class DutyOverride(db.Model):
    """A dated change: `staff_id` on duty `day` from `start` to `end`, or (`off`) not on duty that day at all."""
    __tablename__ = "inbox_duty_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    start: Mapped[time | None]
    end: Mapped[time | None]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    off: Mapped[bool] = mapped_column(default=False)


class StaffWeChat(db.Model):
    """A staff member's own WeChat, bound by scanning a one-time QR code; their messages are never a consumer's."""
    __tablename__ = "staff_wechat"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    bound_at: Mapped[datetime]


class BindCode(db.Model):
    """A single-use QR scene for binding: refused once used or after `expires_at`."""
    __tablename__ = "staff_bind_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    scene: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    ticket: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
