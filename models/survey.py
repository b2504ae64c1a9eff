"""消费调查: a survey of followers — its questions (single choice, multiple choice, rating 1–5, short text), and one
response per follower (unique on survey and voter digest, so a re-sent 确认 files once). An anonymous survey stores
no openid with the response: nothing in it or in its exports leads back to the follower."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionKind(StrEnum):
    SINGLE = "single"        # 单选
    MULTI = "multi"          # 多选
    RATING = "rating"        # 评分 1–5
    TEXT = "text"            # 简答


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    intro: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    opens_at: Mapped[datetime]                    # naive UTC; the scheduler opens a draft then
    closes_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # the 消费提示 draft that announces it (services.surveys.announce), made once
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"))

    questions: Mapped[list[SurveyQuestion]] = relationship(order_by="SurveyQuestion.position",
                                                           cascade="all, delete-orphan")


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(200))
    options: Mapped[list] = mapped_column(JSON, default=list)     # labels, for single and multiple choice


class SurveyResponse(db.Model):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "voter_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    voter_digest: Mapped[str] = mapped_column(String(64))        # sha256(survey, openid): one response per follower
    openid: Mapped[str | None] = mapped_column(String(64))       # None for an anonymous survey
    answers: Mapped[dict] = mapped_column(JSON)                  # question id → [option numbers] | rating | text
    submitted_at: Mapped[datetime]
