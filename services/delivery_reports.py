"""WeChat's own word on delivery: TEMPLATESENDJOBFINISH settles a template row, MASSSENDJOBFINISH a mass batch.

Template (`template_finished`): the event carries the follower (FromUserName), the msgid and `success` |
`failed:user block` | `failed: system failed` (note the space; template-message doc). A row found by its msgid is
confirmed or turned `failed`. Otherwise, when the msgid belongs to no row of ours, it is taken for the follower's
oldest template row in doubt — `unconfirmed` (its send was interrupted after the request left, so we never saw the
msgid) or still `sending` (the event beat our mark, or the process died before marking): the event's msgid and
status are written on it, and `resolve_interrupted` turns a `sending` row that carries them into `sent` / `failed`
instead of `unconfirmed`. The limit, said here: a template message from another feature to the same follower,
in the same hours, could be taken for it.

Mass (`mass_finished`): a batch WeChat reports as sent to nobody (`SentCount` 0, or a status other than
`send success`) turns its rows `failed`; a partial count cannot be attributed to openids and leaves them `sent`.
The caller commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

import logs
from extensions import db
from models import Delivery, MassJob, Publication
from models.publication import Channel, DeliveryStatus

log = logs.get(__name__)

UNCONFIRMED_NOTE = ("发送完成，但有 {n} 位关注者的发送结果未确认（发送中途进程中断或微信未及时应答，可能已送达）；"
                    "为避免重复，系统不会重发，请核对后决定是否另行通知。")
SUCCESS = "success"
MASS_SUCCESS = "send success"


def template_finished(*, openid: str, msg_id: str, status: str, now: datetime) -> Delivery | None:
    """Settle the template delivery row the event reports on; returns it, or None when it is not ours."""
    status = (status or "").strip().lower()
    row = db.session.scalar(select(Delivery).where(Delivery.msgid == str(msg_id), Delivery.channel == Channel.TEMPLATE))
    if row is None:
        row = db.session.scalar(select(Delivery).where(
            Delivery.openid == openid, Delivery.channel.in_([Channel.TEMPLATE, Channel.CUSTOM]), Delivery.msgid.is_(None),
            Delivery.status.in_([DeliveryStatus.UNCONFIRMED, DeliveryStatus.SENDING])).order_by(Delivery.id).limit(1))
        if row is None:
            return None
        row.msgid = str(msg_id)[:32]
        if row.status == DeliveryStatus.SENDING:      # our mark (or resolve_interrupted) settles it with this word
            row.reason = status.replace(" ", "")[:32]
            db.session.flush()
            return row
    if status == SUCCESS:
        if row.status == DeliveryStatus.UNCONFIRMED:
            row.status, row.sent_at, row.reason = DeliveryStatus.SENT, row.sent_at or now, None
    elif status.startswith("failed"):
        row.status, row.reason = DeliveryStatus.FAILED, status.replace(" ", "")[:32]
    db.session.flush()
    _renote(row.publication_id)
    log.info("template delivery settled", publication=row.publication_id, status=row.status)
    return row


def resolve_interrupted(*where) -> int:
    """Rows left `sending` (a crash, or a send that ended in an unknown error): `sent` / `failed` when WeChat's
    report already came (a msgid on the row), else `unconfirmed` — never resent. Returns rows left unconfirmed."""
    reported = [*where, Delivery.status == DeliveryStatus.SENDING, Delivery.msgid.is_not(None)]
    db.session.execute(update(Delivery).where(*reported, Delivery.reason.like("failed%"))
                       .values(status=DeliveryStatus.FAILED))
    db.session.execute(update(Delivery).where(*reported).values(status=DeliveryStatus.SENT,
                                                                  sent_at=func.coalesce(Delivery.sent_at,
                                                                                        Delivery.created_at)))
    return db.session.execute(update(Delivery).where(*where, Delivery.status == DeliveryStatus.SENDING)
                              .values(status=DeliveryStatus.UNCONFIRMED)).rowcount


def mass_finished(job: MassJob) -> int:
    """A batch WeChat delivered to nobody: its rows `failed`. Returns rows changed."""
    status = (job.finish_status or "").strip().lower()
    if job.sent_count or (job.sent_count is None and status in {MASS_SUCCESS, ""}):
        return 0                                   # delivered, at least partly: cannot tell whom it missed
    n = db.session.execute(update(Delivery).where(
        Delivery.publication_id == job.publication_id, Delivery.batch_no == job.batch_no,
        Delivery.status == DeliveryStatus.SENT).values(status=DeliveryStatus.FAILED,
                                                         reason=(status or "mass failed")[:32])).rowcount
    log.warning("mass batch reported undelivered", publication=job.publication_id, batch=job.batch_no, n=n)
    return n


def _renote(publication_id: int) -> None:
    """Keep the publication's unconfirmed note true as rows get settled."""
    pub = db.session.get(Publication, publication_id)
    prefix = UNCONFIRMED_NOTE.split("{n}")[0]
    if pub is None or not (pub.note or "").startswith(prefix):
        return
    left = db.session.scalar(select(func.count(Delivery.id)).where(
        Delivery.publication_id == publication_id, Delivery.status == DeliveryStatus.UNCONFIRMED)) or 0
    pub.note = UNCONFIRMED_NOTE.format(n=left)[:200] if left else None
