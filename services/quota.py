"""The mass-send quota: a follower of a service account receives at most 4 mass messages a month.

WeChat counts web-UI and API mass sends together and drops the extra ones for that follower (45028 when nobody is
left; mass-send doc, fact sheet §4.5). We count what we sent (mass `Delivery` rows marked sent) per China calendar
month, so the console can show the meter before sending and a send can refuse when nobody has quota left. Mass sends
made in the WeChat web UI are invisible here; MASSSENDJOBFINISH's FilterCount reveals them after the fact.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from extensions import db
from models import Delivery
from models.publication import Channel, DeliveryStatus
from services.clock import from_china, to_china

MASS_PER_MONTH = 4


@dataclass(frozen=True)
class Meter:
    audience: int          # followers the publication would go to (after 退订)
    with_quota: int        # of those, how many can still receive a mass message this month
    month: str             # 2026-11

    @property
    def exhausted(self) -> int:
        return self.audience - self.with_quota


def month_start(now: datetime) -> datetime:
    """The first instant of the current China calendar month, as naive UTC."""
    china = to_china(now)
    return from_china(china.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def used_up(*, now: datetime) -> set[str]:
    """Openids that already received MASS_PER_MONTH mass messages this month."""
    rows = db.session.execute(
        select(Delivery.openid).where(Delivery.channel == Channel.MASS, Delivery.status == DeliveryStatus.SENT,
                                      Delivery.sent_at >= month_start(now))
        .group_by(Delivery.openid).having(func.count() >= MASS_PER_MONTH))
    return {openid for (openid,) in rows}


def received(*, openid: str, now: datetime) -> int:
    """How many mass messages we sent this follower this month."""
    return db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.openid == openid, Delivery.channel == Channel.MASS, Delivery.status == DeliveryStatus.SENT,
        Delivery.sent_at >= month_start(now))) or 0


def meter(*, openids: list[str], now: datetime) -> Meter:
    """How many of `openids` still have mass quota this month."""
    spent = used_up(now=now)
    return Meter(audience=len(openids), with_quota=sum(1 for o in openids if o not in spent),
                 month=to_china(now).strftime("%Y-%m"))
