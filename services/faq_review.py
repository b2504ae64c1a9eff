"""Four eyes on the knowledge base: what the bot tells consumers about the law changes only after a second person
has read the change.

A staff change to an entry's content — a new entry, an edit, a rollback to an earlier version — is stored as a
pending `EntryProposal` holding the whole proposed entry; the live entry is untouched. Someone other than the
proposer approves it (it goes live as one revision that keeps the whole text, the author and the approver) or sends
it back with a note. Every content revision keeps a snapshot, so any two versions can be compared (difflib) and an
older one proposed again. One pending proposal per entry: the proposer's new edit replaces their own pending one;
someone else's waits.

Not held for review, by rule: adding a paraphrase from the unanswered queue and pinning a question (they route a
wording to an answer already reviewed and say nothing new); publishing/unpublishing (admins only, ownership.py);
`flask kb import` (the YAML is reviewed in the repository, knowledge/SCHEMA.md).
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from extensions import db
from models.faq import EntryProposal, EntryRevision, KnowledgeEntry, ProposalStatus
from services import Conflict, Invalid, NotFound, PermissionDenied, audit, faq_store

SECOND_PERSON = "知识库的修改须由提交人以外的同事审核"
NOT_PENDING = "这项修改已经审核过了"
PROPOSAL_NOT_FOUND = "没有找到这项待审核的修改"
VERSION_NOT_FOUND = "没有找到这个版本"
NO_SNAPSHOT = "这个版本早于版本记录，没有保存全文，不能回滚"
NO_CHANGE = "内容没有改动，无需提交审核"
WAITING = "条目「{slug}」已有 {by} 提交的修改在等待审核，请先审核或退回那一项"
NOTE_TOO_LONG = "退回意见不超过200字"
SUPERSEDED = "已被提交人新的修改取代"
LABELS = {"topic": "主题", "question": "标准问题", "paraphrases": "其他问法", "keywords": "关键词", "answer": "答案",
          "citations": "法律依据", "related": "相关条目", "next_step": "下一步建议", "reviewed": "审核日期"}


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    old: str
    new: str
    segments: list[tuple[str, str]]   # ("equal" | "delete" | "insert", text), in reading order


def _name(by: Any) -> str:
    return faq_store.staff_name(by)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)
                         for v in value)
    return str(value)


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[FieldDiff]:
    """The fields that differ between two versions, each with a character-level diff (Chinese has no spaces)."""
    old = old or {}
    out = []
    for name in [*faq_store.CONTENT_FIELDS, "reviewed"]:
        before, after = _text(old.get(name)), _text(new.get(name))
        if before == after:
            continue
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        segments: list[tuple[str, str]] = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                segments.append(("equal", before[i1:i2]))
            else:
                if i2 > i1:
                    segments.append(("delete", before[i1:i2]))
                if j2 > j1:
                    segments.append(("insert", after[j1:j2]))
        out.append(FieldDiff(field=name, label=LABELS.get(name, name), old=before, new=after, segments=segments))
    return out


def pending() -> list[EntryProposal]:
    return list(db.session.scalars(select(EntryProposal).where(EntryProposal.status == ProposalStatus.PENDING)
                                   .order_by(EntryProposal.proposed_at, EntryProposal.id)))


def pending_for(slug: str) -> EntryProposal | None:
    return db.session.scalar(select(EntryProposal).where(EntryProposal.slug == slug,
                                                         EntryProposal.status == ProposalStatus.PENDING))


def get(proposal_id: int) -> EntryProposal:
    row = db.session.get(EntryProposal, proposal_id) if 0 < proposal_id <= 2**31 - 1 else None
    if row is None:
        raise NotFound(PROPOSAL_NOT_FOUND, field="proposal_id")
    return row


def live_content(slug: str) -> dict | None:
    entry = db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.slug == slug))
    return faq_store.content(entry) if entry is not None else None


def propose(*, slug: str, values: Mapping[str, Any], by: Any, now: datetime, create: bool = False,
            kind: str | None = None) -> EntryProposal:
    """Validate a change as an edit would be, and hold it for a second person (the caller commits)."""
    entry, record, changed = faq_store.prepare(slug=slug, values=values, now=now, create=create)
    if entry is not None and not [f for f in changed if f != "reviewed"] and "reviewed" not in values:
        raise Invalid(NO_CHANGE, field="answer")
    waiting = pending_for(slug)
    if waiting is not None:
        if waiting.proposed_by != _name(by):
            raise Conflict(WAITING.format(slug=slug, by=waiting.proposed_by), field="slug")
        waiting.status, waiting.decided_by, waiting.decided_at, waiting.note = (
            ProposalStatus.REJECTED, _name(by), now, SUPERSEDED)
    row = EntryProposal(slug=slug, kind=kind or ("create" if entry is None else "edit"),
                        content=faq_store.content(record), proposed_by=_name(by), proposed_at=now,
                        status=ProposalStatus.PENDING, note="")
    db.session.add(row)
    db.session.flush()
    audit.record(actor=by, action="kb_entry.proposed", obj_type="kb_entry", obj_id=slug, now=now,
                 after={"proposal": row.id, "kind": row.kind, "fields": changed})
    return row


def approve(*, proposal_id: int, by: Any, now: datetime) -> KnowledgeEntry:
    """A second person lets the proposal go live (the caller commits; the commit rebuilds every index)."""
    row = get(proposal_id)
    if row.status != ProposalStatus.PENDING:
        raise Conflict(NOT_PENDING, field="proposal_id")
    if _name(by) == row.proposed_by:
        raise PermissionDenied(SECOND_PERSON)
    values = dict(row.content)
    values["reviewed"] = date.fromisoformat(values["reviewed"]) if values.get("reviewed") else None
    if values["reviewed"] is None:
        values.pop("reviewed")
    row.status, row.decided_by, row.decided_at = ProposalStatus.APPROVED, _name(by), now
    audit.record(actor=by, action="kb_entry.approved", obj_type="kb_entry", obj_id=row.slug, now=now,
                 after={"proposal": row.id, "proposed_by": row.proposed_by})
    create = row.kind == "create"
    return faq_store.save(slug=row.slug, values=values, by=row.proposed_by, now=now, create=create,
                          approved_by=_name(by))


def reject(*, proposal_id: int, by: Any, now: datetime, note: str) -> EntryProposal:
    """Send a proposal back with a note; the live entry stays as it was (the caller commits)."""
    row = get(proposal_id)
    if row.status != ProposalStatus.PENDING:
        raise Conflict(NOT_PENDING, field="proposal_id")
    note = (note or "").strip()
    if len(note) > 200:
        raise Invalid(NOTE_TOO_LONG, field="note")
    row.status, row.decided_by, row.decided_at, row.note = ProposalStatus.REJECTED, _name(by), now, note
    audit.record(actor=by, action="kb_entry.rejected", obj_type="kb_entry", obj_id=row.slug, now=now,
                 after={"proposal": row.id, "note": note})
    return row


def versions(slug: str) -> list[EntryRevision]:
    """The entry's content revisions that keep the whole text, newest first."""
    entry = faq_store.get(slug)
    return list(db.session.scalars(select(EntryRevision).where(EntryRevision.entry_id == entry.id,
                                                              EntryRevision.snapshot.is_not(None))
                                   .order_by(EntryRevision.id.desc())))


def version(slug: str, revision_id: int) -> tuple[EntryRevision, dict | None]:
    """One version and the one before it (None for the first kept)."""
    entry = faq_store.get(slug)
    row = db.session.get(EntryRevision, revision_id) if 0 < revision_id <= 2**31 - 1 else None
    if row is None or row.entry_id != entry.id or row.snapshot is None:
        raise NotFound(VERSION_NOT_FOUND, field="revision_id")
    before = db.session.scalar(select(EntryRevision).where(
        EntryRevision.entry_id == entry.id, EntryRevision.snapshot.is_not(None), EntryRevision.id < row.id)
        .order_by(EntryRevision.id.desc()).limit(1))
    return row, before.snapshot if before is not None else None


def propose_rollback(*, slug: str, revision_id: int, by: Any, now: datetime) -> EntryProposal:
    """Propose an earlier version's text again (reviewed today once approved); it goes through review too."""
    entry = faq_store.get(slug)
    row = db.session.get(EntryRevision, revision_id) if 0 < revision_id <= 2**31 - 1 else None
    if row is None or row.entry_id != entry.id:
        raise NotFound(VERSION_NOT_FOUND, field="revision_id")
    if row.snapshot is None:
        raise Invalid(NO_SNAPSHOT, field="revision_id")
    values = {f: row.snapshot[f] for f in faq_store.CONTENT_FIELDS if f in row.snapshot}
    return propose(slug=slug, values=values, by=by, now=now, kind="rollback")
