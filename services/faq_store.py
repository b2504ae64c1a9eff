"""Knowledge entries as records: import from reviewed YAML, edit, publish/unpublish, paraphrases and staff pins.

Every change flushes and the edge commits (services/tx.py); the commit then bumps the index version
(`keys.faq_index_version`, registered with `tx.after_commit`), so each process rebuilds its ranking index on its next
question — after the commit, never before, or another worker could rebuild from the old rows; a rolled-back change
bumps nothing. Each change also appends an `EntryRevision` (who, which fields, when).

YAML format: knowledge/SCHEMA.md. An import is all-or-nothing: every file is parsed and validated first, and one bad
entry names its file and id and writes nothing.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from redis.exceptions import RedisError
from sqlalchemy import or_, select

import logs
from extensions import db, redis
from models.faq import EntryRevision, KnowledgeEntry, PinnedAnswer
from services.clock import china_today
from services import Conflict, Invalid, NotFound, audit, keys, ownership, tx
from services.faq_text import KNOWLEDGE_DIR, SAFE_LOADER

log = logs.get(__name__)

ENTRIES_DIR = KNOWLEDGE_DIR / "entries"
IMPORTER = "import"
ANSWER_MAX_CHARS = 350
# Laws and rules change (the complaint-handling rule was replaced in 2026, law-facts §0.2): an answer not checked
# against the fact sheet for a year is flagged for another review.
REVIEW_EVERY_DAYS = 365
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONTENT_FIELDS = ("topic", "question", "paraphrases", "keywords", "answer", "citations", "related", "next_step")
REQUIRED = ("id", *CONTENT_FIELDS, "reviewed")
LIST_FIELDS = ("paraphrases", "keywords", "citations", "related")
PLACEHOLDERS = {"", "todo", "tbd"}


_generation = 0


def generation() -> int:
    """How many changes this process has made (faq_snapshot rebuilds at once after its own change)."""
    return _generation


def bump_version() -> None:
    """Tell every process its index is stale (a new random token survives a Redis flush, unlike a counter). Other
    processes also see the new revision row in the database within a second (services/faq_snapshot.py)."""
    global _generation
    _generation += 1
    try:
        redis.set(keys.faq_index_version(), uuid.uuid4().hex)
    except RedisError:
        log.warning("faq index version not bumped: redis unavailable")


# ---------------------------------------------------------------------------------------------------- import

def import_file(path: str | Path, *, now: datetime) -> dict[str, int]:
    """Validate and import one YAML file. Returns counts {"created", "updated", "unchanged", "skipped", "drafts"}:
    skipped = the database holds a newer review; drafts = entries whose answer is still a placeholder (TODO)."""
    return _import([Path(path)], now=now)


def import_dir(directory: str | Path = ENTRIES_DIR, *, now: datetime) -> dict[str, int]:
    """Validate and import every *.yaml under `directory` as one batch."""
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise Invalid(f"{directory} 下没有 .yaml 文件", field="path")
    return _import(files, now=now)


def _import(files: Sequence[Path], *, now: datetime) -> dict[str, int]:
    records: dict[str, dict[str, Any]] = {}
    for path in files:
        for record in _read(path):
            if record["id"] in records:
                raise Invalid(f"{path.name}: id {record['id']} 重复", field="id")
            records[record["id"]] = record
    existing = {e.slug: e for e in db.session.scalars(select(KnowledgeEntry))}
    for slug, record in records.items():
        missing = [r for r in record["related"] if r not in records and r not in existing]
        if missing:
            raise Invalid(f"{record['_file']}: {slug} 的 related 引用了不存在的条目 {', '.join(missing)}",
                          field="related")
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "drafts": 0}
    for slug, record in records.items():
        if record["draft"]:
            counts["drafts"] += 1
            continue
        counts[_apply(record, existing.get(slug), now=now)] += 1
    db.session.flush()
    tx.after_commit(bump_version)
    log.info("knowledge imported", files=len(files), **counts)
    return counts


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise Invalid(f"找不到文件 {path}", field="path")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" 第{mark.line + 1}行" if mark is not None else ""
        raise Invalid(f"{path.name}{where}: YAML 格式错误", field="path") from err
    except UnicodeDecodeError as err:
        raise Invalid(f"{path.name}: 不是 UTF-8 文本", field="path") from err
    if not isinstance(data, list):
        raise Invalid(f"{path.name}: 顶层应当是条目列表", field="path")
    return [_validated(item, path.name, n) for n, item in enumerate(data, start=1)]


def _validated(item: Any, filename: str, n: int) -> dict[str, Any]:
    where = f"{filename} 第{n}条"
    if not isinstance(item, Mapping):
        raise Invalid(f"{where}: 应当是一个映射", field="entry")
    missing = [k for k in REQUIRED if k not in item]
    if missing:
        raise Invalid(f"{where}: 缺少字段 {', '.join(missing)}", field=missing[0])
    slug = str(item["id"])
    where = f"{filename} {slug}"
    if not SLUG.match(slug) or len(slug) > 64:
        raise Invalid(f"{where}: id 应为小写字母、数字和连字符", field="id")
    record: dict[str, Any] = {"id": slug, "_file": filename}
    for name in ("topic", "question", "answer", "next_step"):
        if not isinstance(item[name], str):
            raise Invalid(f"{where}: {name} 应当是文字", field=name)
        record[name] = item[name].strip()
    for name in LIST_FIELDS:
        value = item[name]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise Invalid(f"{where}: {name} 应当是文字列表", field=name)
        record[name] = [str(v).strip() for v in value if str(v).strip()]
    if not record["question"] or len(record["question"]) > 200:
        raise Invalid(f"{where}: question 不能为空，且不超过200字", field="question")
    record["draft"] = record["answer"].lower() in PLACEHOLDERS
    if len(record["answer"]) > ANSWER_MAX_CHARS:
        raise Invalid(f"{where}: answer 超过{ANSWER_MAX_CHARS}字（{len(record['answer'])}字）", field="answer")
    reviewed = item["reviewed"]
    if isinstance(reviewed, str):
        try:
            reviewed = date.fromisoformat(reviewed)
        except ValueError:
            reviewed = None
    if not isinstance(reviewed, date):
        raise Invalid(f"{where}: reviewed 应为 YYYY-MM-DD 日期", field="reviewed")
    record["reviewed"] = reviewed
    return record


def _apply(record: dict[str, Any], entry: KnowledgeEntry | None, *, now: datetime) -> str:
    if entry is None:
        entry = KnowledgeEntry(slug=record["id"], published=True, created_at=now)
        _assign(entry, record, now=now)
        db.session.add(entry)
        db.session.flush()
        _revision(entry, "created", list(CONTENT_FIELDS), by=IMPORTER, now=now, snapshot=content(record))
        return "created"
    changed = [f for f in CONTENT_FIELDS if getattr(entry, f) != record[f]]
    if not changed and entry.reviewed == record["reviewed"]:
        return "unchanged"
    if entry.reviewed and record["reviewed"] < entry.reviewed:
        return "skipped"                                   # staff reviewed a newer version in the console
    if changed and entry.reviewed == record["reviewed"]:
        raise Invalid(f"{record['_file']} {record['id']}: 内容改了但 reviewed 日期没改（见 SCHEMA.md 审核规则）",
                      field="reviewed")
    _assign(entry, record, now=now)
    _revision(entry, "imported", changed or ["reviewed"], by=IMPORTER, now=now, snapshot=content(record))
    return "updated"


def _assign(entry: KnowledgeEntry, record: Mapping[str, Any], *, now: datetime) -> None:
    for name in CONTENT_FIELDS:
        setattr(entry, name, record[name])
    entry.reviewed = record["reviewed"]
    entry.updated_by = IMPORTER
    entry.updated_at = now


def _revision(entry: KnowledgeEntry, action: str, fields: Iterable[str], *, by: Any, now: datetime,
              before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
              snapshot: dict | None = None, approved_by: str | None = None) -> None:
    """The entry's own history, and (for staff and CLI changes) the console's audit trail. A content change keeps
    the whole new content (`snapshot`): the versions staff compare and roll back to."""
    fields = list(fields)
    db.session.add(EntryRevision(entry_id=entry.id, action=action, fields=fields, by=staff_name(by), at=now,
                                 snapshot=snapshot, approved_by=approved_by))
    if by != IMPORTER:
        after = after if after is not None else {"fields": fields}
        if approved_by:
            after = {**after, "approved_by": approved_by}
        audit.record(actor=by, action=f"kb_entry.{action}", obj_type="kb_entry", obj_id=entry.slug,
                     before=before, after=after, now=now)


def staff_name(by: Any) -> str:
    """A Staff's username, or the label given ("import", "cli")."""
    return str(getattr(by, "username", None) or by or "system")[:64]


# ---------------------------------------------------------------------------------------------------- staff edits

def get(slug: str) -> KnowledgeEntry:
    entry = db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.slug == slug))
    if entry is None:
        raise NotFound(f"没有找到条目 {slug}")
    return entry


def review_due_before(today: date) -> date:
    """An entry last reviewed before this day is due for another legal review (REVIEW_EVERY_DAYS)."""
    return today - timedelta(days=REVIEW_EVERY_DAYS)


def listing(*, topic: str | None = None, published: bool | None = None,
            due_before: date | None = None) -> list[KnowledgeEntry]:
    """Entries by topic and slug; `due_before` keeps those never reviewed or last reviewed before that day."""
    query = select(KnowledgeEntry).order_by(KnowledgeEntry.topic, KnowledgeEntry.slug)
    if due_before is not None:
        query = query.where(or_(KnowledgeEntry.reviewed.is_(None), KnowledgeEntry.reviewed < due_before))
    if topic:
        query = query.where(KnowledgeEntry.topic == topic)
    if published is not None:
        query = query.where(KnowledgeEntry.published.is_(published))
    return list(db.session.scalars(query))


def revisions(slug: str) -> list[EntryRevision]:
    entry = get(slug)
    return list(db.session.scalars(select(EntryRevision).where(EntryRevision.entry_id == entry.id)
                                   .order_by(EntryRevision.id.desc())))


def prepare(*, slug: str, values: Mapping[str, Any], now: datetime, create: bool = False
            ) -> tuple[KnowledgeEntry | None, dict, list[str]]:
    """Validate staff input for entry `slug` without changing anything: (the live entry or None, the validated
    record, the changed field names). Content changes set `reviewed` to today unless given."""
    exists = db.session.scalar(select(KnowledgeEntry).where(KnowledgeEntry.slug == slug))
    if create and exists is not None:
        raise Conflict(f"条目 {slug} 已存在", field="id")
    entry = exists if exists is not None and not create else None
    if entry is None and not create:
        raise NotFound(f"没有找到条目 {slug}", field="slug")
    current = {f: getattr(entry, f) for f in CONTENT_FIELDS} if entry else {}
    values = {k: _one_newline(v) for k, v in values.items()}
    item = {**current, "reviewed": china_today(now), **values, "id": slug}
    if entry is not None and "reviewed" not in values and all(item[f] == current[f] for f in CONTENT_FIELDS):
        item["reviewed"] = entry.reviewed
    record = _validated(item, "console", 1)
    if record["draft"]:
        raise Invalid("请填写答案", field="answer")
    unknown = [r for r in record["related"] if r != slug and
               db.session.scalar(select(KnowledgeEntry.id).where(KnowledgeEntry.slug == r)) is None]
    if unknown:
        raise Invalid(f"related 引用了不存在的条目 {', '.join(unknown)}", field="related")
    if entry is None:
        return None, record, list(CONTENT_FIELDS)
    changed = [f for f in CONTENT_FIELDS if current[f] != record[f]]
    if record["reviewed"] != entry.reviewed:
        changed.append("reviewed")
    return entry, record, changed


def _one_newline(value: Any) -> Any:
    """A browser's textarea posts CRLF: store LF, as the YAML has it, so an untouched line is not a change."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, list):
        return [_one_newline(v) for v in value]
    return value


def content(source: Mapping[str, Any] | KnowledgeEntry) -> dict:
    """The whole content of an entry (or a validated record) as JSON: what a version keeps and a reviewer reads."""
    get_value = source.get if isinstance(source, Mapping) else (lambda f: getattr(source, f))
    out = {f: get_value(f) for f in CONTENT_FIELDS}
    reviewed = get_value("reviewed")
    out["reviewed"] = reviewed.isoformat() if isinstance(reviewed, date) else reviewed
    return out


def save(*, slug: str, values: Mapping[str, Any], by: Any, now: datetime, create: bool = False,
         approved_by: str | None = None) -> KnowledgeEntry:
    """Make a change live (`services.faq_review` calls this once a second person approved it); the revision keeps
    the whole new content, the author and the approver."""
    entry, record, changed = prepare(slug=slug, values=values, now=now, create=create)
    created = entry is None
    if created:
        entry = KnowledgeEntry(slug=slug, published=bool(values.get("published", True)), created_at=now)
        db.session.add(entry)
    _assign(entry, record, now=now)
    entry.updated_by = staff_name(by)
    db.session.flush()
    if changed:
        _revision(entry, "created" if created else "edited", changed, by=by, now=now,
                  snapshot=content(record), approved_by=approved_by)
    db.session.flush()
    tx.after_commit(bump_version)
    return entry


def set_published(*, slug: str, published: bool, by: Any, now: datetime) -> KnowledgeEntry:
    ownership.require_admin(actor=by, what="上线或下线知识库条目")   # the rule: services/ownership.py
    entry = get(slug)
    if entry.published == published:
        return entry
    entry.published, entry.updated_by, entry.updated_at = published, staff_name(by), now
    _revision(entry, "published" if published else "unpublished", ["published"], by=by, now=now,
              before={"published": not published}, after={"published": published})
    db.session.flush()
    tx.after_commit(bump_version)
    return entry


def add_paraphrase(*, slug: str, text: str, by: Any, now: datetime) -> KnowledgeEntry:
    """Teach an entry another way of asking (e.g. a question from the unanswered queue)."""
    entry = get(slug)
    text = " ".join(text.split())
    if not text or len(text) > 200:
        raise Invalid("问法不能为空，且不超过200字", field="text")
    if text in entry.paraphrases or text == entry.question:
        return entry
    entry.paraphrases = [*entry.paraphrases, text]
    entry.updated_by, entry.updated_at, entry.reviewed = staff_name(by), now, china_today(now)
    _revision(entry, "edited", ["paraphrases"], by=by, now=now, snapshot=content(entry))
    db.session.flush()
    tx.after_commit(bump_version)
    return entry


def pins() -> list[PinnedAnswer]:
    return list(db.session.scalars(select(PinnedAnswer).order_by(PinnedAnswer.pattern)))


def pin(*, pattern: str, slug: str, by: Any, now: datetime, normalise: Callable[[str], str]) -> PinnedAnswer:
    """Pin an exact question (compared after normalisation) to an entry; re-pinning moves it."""
    entry = get(slug)
    key = "".join(normalise(pattern).split())[:200]
    if not key:
        raise Invalid("固定问法不能为空", field="pattern")
    row = db.session.scalar(select(PinnedAnswer).where(PinnedAnswer.pattern == key))
    if row is None:
        row = PinnedAnswer(pattern=key, entry_id=entry.id, created_by=staff_name(by), created_at=now)
        db.session.add(row)
    else:
        row.entry_id, row.created_by, row.created_at = entry.id, staff_name(by), now
    db.session.flush()
    _revision(entry, "pinned", ["pins"], by=by, now=now, after={"pattern": key})
    db.session.flush()
    tx.after_commit(bump_version)
    return row


def unpin(*, pin_id: int, by: Any, now: datetime) -> None:
    row = db.session.get(PinnedAnswer, pin_id)
    if row is None:
        raise NotFound("没有找到这个固定问法")
    _revision(row.entry, "unpinned", ["pins"], by=by, now=now, before={"pattern": row.pattern})
    db.session.delete(row)
    db.session.flush()
    tx.after_commit(bump_version)
