"""Conversation drafts: the database copy of a follower's flow state (active and parked forms), so a half-filled
complaint survives a Redis restart. Redis holds the working copy (`services/keys.conversation`); this row is
written in the same request and erased with the follower's other personal data when they unsubscribe."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class ConversationDraft(db.Model):
    __tablename__ = "conversation_drafts"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(Text)                          # the engine's JSON, as stored in Redis
    expires_at: Mapped[datetime] = mapped_column(index=True)          # after this the draft is gone (grace included)
    updated_at: Mapped[datetime]
