"""Statutory holidays by rule, for a year whose official schedule (放假安排) nobody has published or entered yet.

《全国年节及纪念日放假办法》 as revised by 国务院令第795号 (2024-11-10, in force 2025-01-01), 第二条: every citizen
has 13 days off — 元旦 1 day (1 January), 春节 4 days (农历除夕 and 正月初一至初三), 清明节 1 day (the day of the
清明 solar term), 劳动节 2 days (1–2 May), 端午节 1 day (农历五月初五), 中秋节 1 day (农历八月十五), 国庆节 3 days
(1–3 October). 第六条: a holiday for every citizen that falls on a Saturday or Sunday is made up on a working day.

This module knows only that rule. The real schedule also moves weekends around (调休 make-up working days) and is
published by the 国务院办公厅 each autumn; nobody can predict those days, so every date counted with this rule is
still marked 估算 until staff import the year (`services.work_calendar`). Lunar dates come from `lunardate`, the
清明 solar term from chinese-calendar's solar-term table — both maintained libraries, not our arithmetic.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

# Legal basis: 《全国年节及纪念日放假办法》（2024年11月10日国务院令第795号修订）第二条、第六条


def _lunar(year: int, month: int, day: int) -> date:
    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    return next(day for day, name in terms if name == "清明")


def _festivals(year: int) -> list[tuple[str, date]]:
    """Every statutory day off of `year` by 第二条, in date order, before make-up days."""
    new_year = _lunar(year, 1, 1)                 # 正月初一
    days = [("元旦", date(year, 1, 1))]
    days += [("春节", new_year + timedelta(days=offset)) for offset in (-1, 0, 1, 2)]   # 除夕 to 初三
    days += [("清明节", _qingming(year)), ("劳动节", date(year, 5, 1)), ("劳动节", date(year, 5, 2)),
             ("端午节", _lunar(year, 5, 5)), ("中秋节", _lunar(year, 8, 15))]
    days += [("国庆节", date(year, 10, day)) for day in (1, 2, 3)]
    return sorted(days, key=lambda item: item[1])


@lru_cache(maxsize=64)
def by_rule(year: int) -> dict[date, str]:
    """The days off of `year` by rule: the 13 statutory days, plus for each one that falls on a weekend the next
    working day after it (第六条 补假). 除夕 is never before 20 January, so every day lies in `year`."""
    off: dict[date, str] = {}
    for name, day in _festivals(year):
        off[day] = name
    for name, day in _festivals(year):
        if day.weekday() >= 5:
            makeup = day + timedelta(days=1)
            while makeup.weekday() >= 5 or makeup in off:
                makeup += timedelta(days=1)
            off[makeup] = f"{name}（补假）"
    return off


def is_working_by_rule(day: date) -> bool:
    """Monday to Friday and not a statutory day off by rule (no 调休 make-up Saturdays: they are unknowable)."""
    if day.weekday() >= 5:
        return False
    return day not in by_rule(day.year)
