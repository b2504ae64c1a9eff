"""Chinese working days: chinese-calendar (holidays and 调休 make-up days) plus a staff-editable override table.

A year the library does not know yet falls back to Monday–Friday and says so (`calendar_known`), so the console can
show a warning. Statutory clocks built on this are data (see complaints); nothing here is a legal literal.
"""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select

from extensions import db
from models import CalendarOverride


def calendar_known(day: date) -> bool:
    """True when chinese-calendar has the official holiday schedule for `day`'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def _overrides(start: date, end: date) -> dict[date, bool]:
    rows = db.session.scalars(select(CalendarOverride).where(CalendarOverride.day.between(start, end)))
    return {row.day: row.working for row in rows}


def _library_working(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # year not published in the library yet: weekends only
        return day.weekday() < 5


def is_working_day(day: date) -> bool:
    override = _overrides(day, day).get(day)
    return _library_working(day) if override is None else override


def add_working_days(start: date, n: int) -> date:
    """The date `n` working days after `start` (the receipt day itself does not count)."""
    overrides = _overrides(start, start + timedelta(days=n * 3 + 60))
    day, left = start, n
    while left > 0:
        day += timedelta(days=1)
        working = overrides.get(day)
        if working is None:
            working = _library_working(day)
        if working:
            left -= 1
    return day
