"""Time: the database stores naive UTC; consumers and staff read China time (Asia/Shanghai, no DST)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_china(moment: datetime) -> datetime:
    """A naive-UTC timestamp as an aware China-time datetime."""
    return moment.replace(tzinfo=timezone.utc).astimezone(CHINA)


def china_today(now: datetime) -> date:
    return to_china(now).date()


def from_china(moment: datetime) -> datetime:
    """A China-time datetime (aware or naive) as naive UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def plain_date(day: date) -> str:
    """`11月28日`: how a date is told to a consumer."""
    return f"{day.month}月{day.day}日"
