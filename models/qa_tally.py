"""How 维权问答 questions were answered: one count per China day × entry topic × outcome, nothing personal.

No openid and no text: the row says only that on that day a question about that topic was answered on the first
reply, met a menu of choices, was referred to another office, or went unanswered. The 活动情况 report sums it.
"""
from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class AskOutcome(StrEnum):
    FIRST_REPLY = "first_reply"   # one entry answered outright
    MENU = "menu"                 # "您是不是想问" with up to three choices
    REFERRED = "referred"         # another office's matter (topic: the office)
    UNANSWERED = "unanswered"     # in scope, not covered: queued for staff (topic empty)


class QuestionTally(db.Model):
    __tablename__ = "question_tallies"

    day: Mapped[date] = mapped_column(primary_key=True)                    # China calendar day
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)       # entry topic, office, or "" (none)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)     # AskOutcome
    category: Mapped[str] = mapped_column(String(32), default="")          # the entry's category (knowledge/categories)
    count: Mapped[int] = mapped_column(default=0)
