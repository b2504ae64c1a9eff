"""The Q&A knowledge base (维权问答): entries, their revision history, staff-pinned patterns, and the queue of
questions the bot could not answer with confidence.

Staff are named by username (not a foreign key), so these tables stand without the console's.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class KnowledgeEntry(db.Model):
    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)          # the YAML `id`, stable across imports
    topic: Mapped[str] = mapped_column(String(64), default="")
    question: Mapped[str] = mapped_column(String(200))
    paraphrases: Mapped[list] = mapped_column(JSON, default=list)       # list[str]
    keywords: Mapped[list] = mapped_column(JSON, default=list)          # list[str]
    answer: Mapped[str] = mapped_column(Text)
    citations: Mapped[list] = mapped_column(JSON, default=list)         # list[{"law", "article"?, "note"?}]
    related: Mapped[list] = mapped_column(JSON, default=list)           # list of slugs
    next_step: Mapped[str] = mapped_column(String(200), default="")
    reviewed: Mapped[date | None]                                       # last legal review
    published: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str] = mapped_column(String(64), default="")     # staff username, or "import"
    updated_at: Mapped[datetime]
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<KnowledgeEntry {self.slug} published={self.published}>"


class EntryRevision(db.Model):
    """Who changed which fields of an entry, when (append-only)."""

    __tablename__ = "knowledge_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))                    # created, edited, published, unpublished...
    fields: Mapped[list] = mapped_column(JSON, default=list)           # names of the changed fields
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    snapshot: Mapped[dict | None] = mapped_column(JSON)                 # the whole content after a content change
    approved_by: Mapped[str | None] = mapped_column(String(64))         # the second person who let it go live


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class EntryProposal(db.Model):
    """A staff change to an entry's content waiting for a second person (four eyes): new entry, edit or rollback.

    The live entry is untouched until someone other than the proposer approves; `content` is the whole proposed
    entry (the content fields and `reviewed`), so the reviewer sees exactly what the bot will say."""

    __tablename__ = "knowledge_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))                      # create | edit | rollback
    content: Mapped[dict] = mapped_column(JSON)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PENDING, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(200), default="")


class PinnedAnswer(db.Model):
    """A staff-pinned exact pattern: a question that normalises to `pattern` gets `entry` without ranking."""

    __tablename__ = "knowledge_pins"

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(200), unique=True)      # normalised text
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    entry: Mapped[KnowledgeEntry] = relationship(lazy="joined")


class QuestionOutcome(StrEnum):
    UNANSWERED = "unanswered"       # nothing good matched
    CLOSE_CALL = "close_call"       # the bot offered "您是不是想问" instead of answering


class QueueStatus(StrEnum):
    OPEN = "open"
    NEW_ENTRY = "new_entry"         # staff wrote an entry for it
    PARAPHRASE = "paraphrase"       # staff added it as a paraphrase of an existing entry
    DISMISSED = "dismissed"


QUEUE_TRANSITIONS = {
    QueueStatus.OPEN: {QueueStatus.NEW_ENTRY, QueueStatus.PARAPHRASE, QueueStatus.DISMISSED},
    QueueStatus.DISMISSED: {QueueStatus.OPEN},
    QueueStatus.NEW_ENTRY: set(),
    QueueStatus.PARAPHRASE: set(),
}


class UnansweredQuestion(db.Model):
    """A question the bot could not answer with confidence, normalised and counted (no openid: no personal data)."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200), unique=True)        # normalised, truncated
    outcome: Mapped[str] = mapped_column(String(16), default=QuestionOutcome.UNANSWERED)
    count: Mapped[int] = mapped_column(default=1)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    best_score: Mapped[float] = mapped_column(default=0.0)
    best_slug: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=QueueStatus.OPEN, index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    entry_slug: Mapped[str | None] = mapped_column(String(64))        # the entry it became / was added to
