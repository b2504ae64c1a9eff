"""The working-day calendar staff own: official schedules (放假安排) imported per year, and single-day corrections.

`CalendarYear` says "the official schedule of this year is entered": days it does not list follow Monday–Friday.
`CalendarOverride` is one day that differs from Monday–Friday (a holiday, or a 调休 make-up working Saturday);
`year` names the imported schedule it came from (re-importing that year replaces its rows), None for a day staff
corrected by hand.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class CalendarOverride(db.Model):
    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    working: Mapped[bool]
    note: Mapped[str] = mapped_column(String(100), default="")
    year: Mapped[int | None] = mapped_column(index=True)


class CalendarYear(db.Model):
    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200), default="")   # the notice, e.g. 国办发明电〔2026〕7号
    holidays: Mapped[int] = mapped_column(default=0)
    workdays: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(64), default="")
