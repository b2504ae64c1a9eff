"""Reading publications: the latest and the keyword search for the chat, the delivery report and timeline for
staff, the mass-preview to the staff test group, and WeChat's MASSSENDJOBFINISH / TEMPLATESENDJOBFINISH reports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

import logs
from extensions import db
from models import Delivery, MassJob, Publication
from models.publication import MassJobStatus, Status
from services import DeliveryError, Invalid
from services.clock import to_china
from services.delivery import Message
from services.sender import Sender

log = logs.get(__name__)

NO_TEST_GROUP = "未配置预览测试组（PUBLICATION_PREVIEW_OPENIDS），无法预览。"
PUBLISHED = (Status.SENDING, Status.SENT)


def latest(*, kind: str, limit: int = 3) -> list[Publication]:
    """The newest publications of `kind` that went out (one-off or occurrence), newest first."""
    return list(db.session.scalars(select(Publication).where(
        Publication.kind == kind, Publication.status.in_(PUBLISHED), Publication.published_at.is_not(None))
        .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(limit)))


def search(*, kind: str, words: list[str], limit: int = 3) -> list[Publication]:
    """Published publications of `kind` whose title, summary, tags or body contain every word; when none does,
    those containing any of the words' parts ("理发店办卡" → 理发店, 办卡), newest first."""
    published = select(Publication).where(Publication.kind == kind, Publication.status.in_(PUBLISHED))
    query = published
    for word in words[:5]:
        query = query.where(_contains(word))
    found = list(db.session.scalars(query.order_by(Publication.published_at.desc()).limit(limit)))
    if found:
        return found
    from services import faq                 # the Q&A's tokenizer, already loaded in every web worker
    parts = [p for p in dict.fromkeys(faq.loaded().index.text.plain_words(" ".join(words))) if len(p) >= 2][:8]
    if not parts:
        return found
    return list(db.session.scalars(published.where(or_(*(_contains(p) for p in parts)))
                                   .order_by(Publication.published_at.desc()).limit(limit)))


def _contains(word: str):
    pattern = f"%{word[:20]}%"
    return or_(Publication.title.like(pattern), Publication.summary.like(pattern), Publication.tags.like(pattern),
               Publication.body.like(pattern))


@dataclass(frozen=True)
class Report:
    counts: dict[str, int]                       # status → rows
    timeline: list[tuple[str, int]]              # (China-time minute, messages sent in it)
    mass_jobs: list[MassJob]


def report(publication_id: int) -> Report:
    """Sent / failed / filtered / pending counts, sends per minute over time, and the mass batches."""
    counts = dict(db.session.execute(select(Delivery.status, func.count()).where(
        Delivery.publication_id == publication_id).group_by(Delivery.status)).all())
    per_minute: dict[str, int] = {}
    for (sent_at,) in db.session.execute(select(Delivery.sent_at).where(
            Delivery.publication_id == publication_id, Delivery.sent_at.is_not(None))):
        minute = to_china(sent_at).strftime("%m-%d %H:%M")
        per_minute[minute] = per_minute.get(minute, 0) + 1
    jobs = list(db.session.scalars(select(MassJob).where(MassJob.publication_id == publication_id)
                                   .order_by(MassJob.batch_no)))
    return Report(counts=counts, timeline=sorted(per_minute.items()), mass_jobs=jobs)


def preview(publication_id: int, *, openids: tuple[str, ...], sender: Sender) -> int:
    """Mass-preview the publication to the staff test group; returns how many previews WeChat accepted."""
    if not openids:
        raise Invalid(NO_TEST_GROUP, field="preview")
    pub = db.session.get(Publication, publication_id)
    if pub is None:
        raise Invalid("没有这篇推送。")
    text, sent = Message.of(pub).text(), 0
    for openid in openids:
        try:
            sender.mass_preview(openid, content=text)
            sent += 1
        except DeliveryError as exc:
            log.warning("preview not delivered", publication=pub.id, errcode=exc.errcode)
    log.info("publication previewed", publication=pub.id, n=sent)
    return sent


def job_finished(*, msg_id: str, counts: dict[str, object], now: datetime) -> MassJob | None:
    """Record WeChat's MASSSENDJOBFINISH counts on the batch that carried `msg_id` (idempotent; re-sends agree)."""
    job = db.session.scalar(select(MassJob).where(MassJob.msg_id == str(msg_id)))
    if job is None:
        log.info("job finish for an unknown msg_id")
        return None

    def number(name: str) -> int | None:
        value = counts.get(name)
        return int(str(value)) if value not in (None, "") else None

    job.total_count, job.filter_count = number("TotalCount"), number("FilterCount")
    job.sent_count, job.error_count = number("SentCount"), number("ErrorCount")
    job.finish_status = str(counts.get("Status") or "")[:64]
    job.status, job.finished_at = MassJobStatus.FINISHED, now
    db.session.flush()
    log.info("mass job finished", publication=job.publication_id, batch=job.batch_no, sent=job.sent_count,
             errors=job.error_count)
    return job
