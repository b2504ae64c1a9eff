"""Publications: write, review, approve, schedule, send (once), and what the chat shows.

Status moves only along `models.publication.ALLOWED`, each move a conditional UPDATE so two processes cannot both
make it. `push_due` is the scheduler's one call: it starts every publication that fell due (within the grace
period; later ones become `missed`, never sent late), spawns due cron occurrences (one child per occurrence, unique),
and runs every publication in `sending` to completion through `services.delivery`. Only the scheduler sends.

Transactions (services/tx.py): the staff actions (create, edit, submit, approve, reject, cancel, withdraw, schedule)
change and flush; the console view, API view or CLI command that called them commits. `push_due` commits only in
`_deliver_and_notify`, which makes the started publications and their delivery rows durable before the delivery
engine claims and sends them, and each publication's `sent` mark after its run.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from threading import Event
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

import logs
from extensions import db
from models import Delivery, MassJob, Publication
from models.publication import ALLOWED, Audience, Kind, MassJobStatus, Status, Strategy
from services import (Conflict, Invalid, NotFound, PermissionDenied, QuotaExceeded, audience, audit, delivery,
                      delivery_pool, ownership, quota, tx)
from services.clock import CHINA, from_china, to_china
from services.delivery import Settings
from services.delivery_reports import UNCONFIRMED_NOTE
from services.sender import Sender

log = logs.get(__name__)

SELF_APPROVAL = "发布需由作者以外的人审核。"
BAD_MOVE = "当前状态（{status}）不能{action}。"
NEED_TITLE = "请填写标题（不超过64字）。"
BAD_KIND = "类型只能是：消费警示、消费提示、典型案例、抽检结果。"
BAD_CRON = "重复规则无法识别，请用 cron 格式，如“0 9 10 3 *”（每年3月10日9点）。"
PAST = "发送时间已过，请选择将来的时间。"
NO_QUOTA = ("本月群发额度已用完：受众中的 {n} 位关注者本月都已收到 4 条群发消息（服务号每人每月 4 条）。"
            "请改用逐个发送，或下月再发。")
TAG_EACH = "按标签推送只能用群发。"
BAD_TARGET = "发送方式或推送对象无效。"
NEED_REF = "按投票参与者或微信标签推送时，请填写投票编号或标签 id（数字）。"
BAD_URL = "{label}须是以 http:// 或 https:// 开头的完整网址。"
URL_LABELS = {"link": "详情链接", "cover": "封面图片地址"}
MISSED_NOTE = "调度器停机超过宽限期，错过了发送时间，未发送。"

STATUS_LABELS = {"draft": "草稿", "review": "待审核", "approved": "已审核", "scheduled": "已定时", "sending": "发送中",
                 "sent": "已发送", "missed": "错过时间", "cancelled": "已取消"}
ACTIONS = {Status.REVIEW: "提交审核", Status.APPROVED: "审核通过", Status.DRAFT: "退回修改",
           Status.SCHEDULED: "定时发送", Status.SENDING: "发送", Status.CANCELLED: "取消",
           Status.WITHDRAWN: "撤回"}
EDITABLE = ("kind", "title", "summary", "body", "link", "cover", "tags", "strategy", "audience", "audience_ref")


def get(publication_id: int) -> Publication:
    pub = db.session.get(Publication, publication_id)
    if pub is None:
        raise NotFound("没有这篇推送。")
    return pub


def _validate(pub: Publication) -> None:
    if not pub.title or len(pub.title) > 64:
        raise Invalid(NEED_TITLE, field="title")
    if pub.kind not in {k.value for k in Kind}:
        raise Invalid(BAD_KIND, field="kind")
    if pub.strategy not in {s.value for s in Strategy} or pub.audience not in {a.value for a in Audience}:
        raise Invalid(BAD_TARGET, field="audience")
    if pub.audience == Audience.TAG and pub.strategy != Strategy.MASS:
        raise Invalid(TAG_EACH, field="strategy")
    if pub.audience in {Audience.TAG, Audience.POLL_VOTERS} and not str(pub.audience_ref or "").isdigit():
        raise Invalid(NEED_REF, field="audience_ref")
    for name, label in URL_LABELS.items():
        if getattr(pub, name) and not is_web_url(getattr(pub, name)):
            raise Invalid(BAD_URL.format(label=label), field=name)


def is_web_url(value: str) -> bool:
    """An absolute http(s) URL with a host: never `javascript:`, `data:` or a relative path."""
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname) and not any(
        ch.isspace() or ord(ch) < 32 for ch in value.strip())


def create(*, author: str, now: datetime, **fields) -> Publication:
    """A new draft. `fields`: kind, title, summary, body, link, cover, tags, strategy, audience, audience_ref."""
    pub = Publication(author=author, status=Status.DRAFT, created_at=now, updated_at=now, summary="", body="",
                      tags="", strategy=Strategy.EACH, audience=Audience.ALL)
    for name in EDITABLE:
        if name in fields and fields[name] is not None:
            setattr(pub, name, fields[name])
    _validate(pub)
    db.session.add(pub)
    db.session.flush()
    audit.record(actor=author, action="publication.create", obj_type="publication", obj_id=pub.id,
                 after={"kind": pub.kind, "title": pub.title, "strategy": pub.strategy, "audience": pub.audience},
                 now=now)
    log.info("publication drafted", publication=pub.id)
    return pub


def edit(publication_id: int, *, by: str, now: datetime, **fields) -> Publication:
    pub = get(publication_id)
    ownership.require_same_department(actor=by, author=pub.author, what="推送")
    if pub.status != Status.DRAFT:
        raise Conflict(BAD_MOVE.format(status=STATUS_LABELS.get(pub.status, pub.status), action="修改"))
    before = {name: getattr(pub, name) for name in EDITABLE}
    for name in EDITABLE:
        if name in fields and fields[name] is not None:
            setattr(pub, name, fields[name])
    _validate(pub)
    pub.updated_at = now
    old, new = audit.changed(before, {name: getattr(pub, name) for name in EDITABLE})
    audit.record(actor=by, action="publication.edit", obj_type="publication", obj_id=pub.id,
                 before={k: "changed" if k == "body" else v for k, v in old.items()},
                 after={k: "changed" if k == "body" else v for k, v in new.items()}, now=now)
    db.session.flush()
    return pub


def _move(pub: Publication, to: Status, *, now: datetime, by: str = "scheduler", **values) -> Publication:
    """Conditional UPDATE from the status we read: a concurrent move makes this one fail with Conflict (nothing
    was changed; the edge rolls back)."""
    ownership.require_same_department(actor=by, author=pub.author, what="推送")
    if to not in ALLOWED[Status(pub.status)]:
        raise Conflict(BAD_MOVE.format(status=STATUS_LABELS.get(pub.status, pub.status), action=ACTIONS.get(to, to)))
    done = db.session.execute(update(Publication).where(Publication.id == pub.id, Publication.status == pub.status)
                              .values(status=to, updated_at=now, **values)).rowcount
    if not done:
        raise Conflict(BAD_MOVE.format(status="已变化", action=ACTIONS.get(to, to)))
    audit.record(actor=by, action=f"publication.{to}", obj_type="publication", obj_id=pub.id,
                 before={"status": pub.status}, after={"status": str(to), **{k: v for k, v in values.items()
                                                                          if k in {"scheduled_at", "recurrence"}}},
                 now=now)
    db.session.flush()
    db.session.refresh(pub)
    return pub


def submit(publication_id: int, *, by: str, now: datetime) -> Publication:
    return _move(get(publication_id), Status.REVIEW, now=now, by=by)


def reject(publication_id: int, *, by: str, now: datetime) -> Publication:
    return _move(get(publication_id), Status.DRAFT, now=now, by=by, approver=None)


def approve(publication_id: int, *, by: str, now: datetime, settings: Settings) -> Publication:
    pub = get(publication_id)
    if by == pub.author and not settings.self_approval:
        raise PermissionDenied(SELF_APPROVAL)
    pub = _move(pub, Status.APPROVED, now=now, by=by, approver=by)
    if pub.body.strip() and not pub.link and settings.article_base:
        pub.link = f"{settings.article_base}/articles/{pub.id}"      # the 正文 as a page followers can open
    db.session.flush()
    log.info("publication approved", publication=pub.id)
    return pub


def cancel(publication_id: int, *, by: str, now: datetime) -> Publication:
    return _move(get(publication_id), Status.CANCELLED, now=now, by=by)


def withdraw(publication_id: int, *, by: str, now: datetime) -> Publication:
    """Take a sent publication out of the chat listings (最新警示, 典型案例, keyword search); audited. What
    followers already received stays in their chat: WeChat has no recall for customer-service messages."""
    pub = _move(get(publication_id), Status.WITHDRAWN, now=now, by=by)
    log.info("publication withdrawn", publication=pub.id)
    return pub


def recipients(pub: Publication, *, now: datetime) -> tuple[list[str], dict[str, str]]:
    """(who gets it, {openid: why not}) — 退订 of this kind, and for mass sends the used-up monthly quota."""
    everyone = audience.resolve(audience=pub.audience, ref=pub.audience_ref, kind=pub.kind)
    out = audience.opted_out(pub.kind)
    filtered = {o: "unsubscribed_kind" for o in everyone if o in out}
    if pub.strategy == Strategy.MASS:
        spent = quota.used_up(now=now)
        filtered.update({o: "quota" for o in everyone if o in spent and o not in filtered})
    return [o for o in everyone if o not in filtered], filtered


def quota_meter(publication_id: int, *, now: datetime) -> quota.Meter:
    """How many of the publication's audience (after 退订) can still receive a mass message this month."""
    pub = get(publication_id)
    everyone = audience.resolve(audience=pub.audience, ref=pub.audience_ref, kind=pub.kind)
    out = audience.opted_out(pub.kind)
    return quota.meter(openids=[o for o in everyone if o not in out], now=now)


def _check_sendable(pub: Publication, now: datetime) -> None:
    """A mass send whose audience has no quota left is refused (45028 would come back for everyone)."""
    if pub.strategy != Strategy.MASS or pub.audience == Audience.TAG:
        return
    meter = quota_meter(pub.id, now=now)
    if meter.audience and meter.with_quota == 0:
        raise QuotaExceeded(NO_QUOTA.format(n=meter.audience))


def schedule(publication_id: int, *, at: datetime, by: str, now: datetime, recurrence: str | None = None
             ) -> Publication:
    """Send at `at` (naive UTC), or by the cron line `recurrence` (China time). Refuses a mass send without quota."""
    pub = get(publication_id)
    if recurrence:
        _trigger(recurrence)
    elif at < now:
        raise Invalid(PAST, field="scheduled_at")
    _check_sendable(pub, now)
    pub = _move(pub, Status.SCHEDULED, now=now, by=by, scheduled_at=at, recurrence=recurrence or None, note=None)
    log.info("publication scheduled", publication=pub.id, recurring=bool(recurrence))
    return pub


def send_now(publication_id: int, *, by: str, now: datetime) -> Publication:
    """Schedule for now: the scheduler picks it up at its next poll (the web process never sends)."""
    return schedule(publication_id, at=now, by=by, now=now)


def _trigger(cron: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(cron, timezone=CHINA)
    except ValueError as exc:
        raise Invalid(BAD_CRON, field="recurrence") from exc


# --- the scheduler's call ----------------------------------------------------------------------------------------
def push_due(*, now: datetime, sender: Sender, settings: Settings, clock: Callable[[], datetime] | None = None,
             stop: Event | None = None, launch: delivery_pool.Launch | None = None) -> int:
    """Start what fell due, spawn due occurrences, and deliver everything in `sending`; returns messages sent.
    `launch` starts helper delivery processes (PUBLICATION_PROCESSES > 1); without it one process sends.
    Leaves nothing uncommitted."""
    for pub in db.session.scalars(select(Publication).where(
            Publication.status == Status.SCHEDULED, Publication.recurrence.is_(None),
            Publication.scheduled_at <= now)).all():
        if now - pub.scheduled_at > settings.grace:
            _move(pub, Status.MISSED, now=now, note=MISSED_NOTE)
            log.warning("publication missed its time", publication=pub.id)
        else:
            start(pub, now=now)
    for parent in db.session.scalars(select(Publication).where(
            Publication.status == Status.SCHEDULED, Publication.recurrence.is_not(None))).all():
        _spawn_due(parent, now=now, settings=settings)
    return _deliver_and_notify(sender=sender, settings=settings, clock=clock or (lambda: now), stop=stop,
                               launch=launch)


def _deliver_and_notify(*, sender: Sender, settings: Settings, clock: Callable[[], datetime], stop: Event | None,
                        launch: delivery_pool.Launch | None) -> int:
    """Commit what `push_due` started (publications in `sending` with every delivery row written) before any row is
    claimed or sent — helper processes read those rows — then run each publication in `sending` and commit its
    `sent` mark once nothing is left pending. Returns messages sent."""
    tx.commit()
    sent = 0
    for pub in db.session.scalars(select(Publication).where(Publication.status == Status.SENDING)
                                  .order_by(Publication.id)).all():
        sent += finish(pub, sender=sender, settings=settings, clock=clock, stop=stop, launch=launch)
        tx.commit()
    return sent


def start(pub: Publication, *, now: datetime) -> bool:
    """scheduled → sending with every delivery row written (flushed: `push_due` commits them before sending);
    False when refused (no mass quota: back to approved with the reason) or taken by another run."""
    recipients_, filtered = recipients(pub, now=now)
    if pub.strategy == Strategy.MASS and pub.audience != Audience.TAG and not recipients_ and filtered:
        try:
            _move(pub, Status.APPROVED, now=now, note=NO_QUOTA.format(n=len(filtered))[:200])
        except Conflict:
            return False
        log.warning("publication refused: no mass quota", publication=pub.id)
        return False
    try:
        _move(pub, Status.SENDING, now=now, published_at=pub.published_at or now)
    except Conflict:
        return False
    delivery.prepare(pub, recipients=recipients_, filtered=filtered, now=now)
    db.session.flush()
    log.info("publication sending", publication=pub.id, recipients=len(recipients_), filtered=len(filtered))
    return True


def _spawn_due(parent: Publication, *, now: datetime, settings: Settings) -> None:
    """Create the child for the cron occurrence that fell due within the grace period (unique per occurrence)."""
    after = max(now - settings.grace, parent.scheduled_at or now - settings.grace)
    fire = _trigger(parent.recurrence or "").get_next_fire_time(None, to_china(after))
    if fire is None or from_china(fire) > now:
        return
    child = Publication(**{name: getattr(parent, name) for name in EDITABLE}, author=parent.author,
                        approver=parent.approver, status=Status.SCHEDULED, parent_id=parent.id,
                        occurrence_at=from_china(fire), scheduled_at=from_china(fire), created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(child)
    except IntegrityError:
        return                                       # this occurrence was already spawned
    start(child, now=now)


def finish(pub: Publication, *, sender: Sender, settings: Settings, clock: Callable[[], datetime],
           stop: Event | None = None, launch: delivery_pool.Launch | None = None) -> int:
    """Run `pub`'s deliveries; mark it sent (flushed; the caller commits) when nothing is left pending. Returns
    messages sent in this run.

    Rows left `unconfirmed` (a send interrupted by a crash: maybe delivered, never resent) are said on the
    publication (its note, shown on its console page) and recorded for its author (audit `publication.unconfirmed`,
    which the staff inbox picks up)."""
    progress = delivery.run(pub, sender=sender, settings=settings, clock=clock, stop=stop, launch=launch)
    counts = report(pub.id)
    if not progress.stopped and not counts.get("pending") and not _mass_pending(pub.id):
        unconfirmed = counts.get("unconfirmed", 0)
        values = {"note": UNCONFIRMED_NOTE.format(n=unconfirmed)[:200]} if unconfirmed else {}
        _move(pub, Status.SENT, now=clock(), sent_at=clock(), **values)
        if unconfirmed:
            audit.record(actor="scheduler", action="publication.unconfirmed", obj_type="publication", obj_id=pub.id,
                         after={"author": pub.author, "unconfirmed": unconfirmed}, now=clock())
            log.warning("publication sent with unconfirmed rows", publication=pub.id, n=unconfirmed)
        db.session.flush()
        log.info("publication sent", publication=pub.id, sent=progress.sent, failed=progress.failed)
    return progress.sent


def _mass_pending(publication_id: int) -> bool:
    return bool(db.session.scalar(select(MassJob.id).where(MassJob.publication_id == publication_id,
                                                           MassJob.status == MassJobStatus.PENDING).limit(1)))


def report(publication_id: int) -> dict[str, int]:
    """Delivery rows by status: pending, sending, sent, unconfirmed, failed, filtered."""
    rows = db.session.execute(select(Delivery.status, func.count()).where(Delivery.publication_id == publication_id)
                              .group_by(Delivery.status))
    return {status: n for status, n in rows}
