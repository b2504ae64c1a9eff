"""Reading an official 放假安排 file into a `Schedule`, checked whole: a problem is one Chinese line (Invalid).

YAML ::

    year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知
    holidays:                         # days off: a date, or a from/to range
      - {name: 元旦, date: 2027-01-01}
      - {name: 春节, from: 2027-02-05, to: 2027-02-12}
    workdays:                         # 调休 make-up working days (weekend days)
      - {name: 春节, date: 2027-02-14}

or CSV with a header ``date,type,name`` where type is 休 (holiday) or 班 (make-up working day).

A year's schedule must list every statutory holiday of 《全国年节及纪念日放假办法》 (a truncated file is refused),
and every make-up working day must be a Saturday or Sunday.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import yaml

from services import Invalid, holidays

BAD_FORMAT = "无法识别的文件：请用 YAML（year/holidays/workdays）或 CSV（表头 date,type,name）"
BAD_YAML = "YAML 格式错误：第{line}行附近"
BAD_DATE = "日期「{value}」格式不对，应为 2027-02-05"
BAD_TYPE = "第{row}行类型「{value}」不对，只能是“休”或“班”"
BAD_YEAR = "年份应为 2000 到 2100 之间的整数"
OUT_OF_YEAR = "{day} 不属于{year}年的放假安排（只能是该年，或上一年12月的元旦假期）"
BOTH = "{day} 同时被列为放假和上班"
NOT_WEEKEND = "{day} 是星期{weekday}，调休上班日应为周六或周日"
MISSING = "导入的安排缺少法定节日 {name}（{day}），请核对文件是否完整"
NO_HOLIDAYS = "文件中没有放假日期"
WEEKDAYS = "一二三四五六日"
TYPES = {"休": False, "holiday": False, "班": True, "workday": True}


@dataclass(frozen=True)
class Schedule:
    year: int
    source: str
    off: dict[date, str]                  # days off → holiday name
    working: dict[date, str]              # 调休 make-up working days → holiday name


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(BAD_DATE.format(value=str(value)[:20]), field="file") from None


def _valid(text: str) -> bool:
    try:
        date(*map(int, text.split("-")))
    except ValueError:
        return False
    return True


def _span(item) -> list[date]:
    if not isinstance(item, dict):
        return [_date(item)]
    if "date" in item:
        return [_date(item["date"])]
    first, last = _date(item.get("from")), _date(item.get("to"))
    if last < first or (last - first).days > 31:
        raise Invalid(BAD_DATE.format(value=f"{first}..{last}"), field="file")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _from_yaml(text: str, source: str) -> Schedule:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", -1) + 1
        raise Invalid(BAD_YAML.format(line=line), field="file") from None
    except ValueError:                    # PyYAML reads 2027-13-01 as a timestamp and fails on the month
        bad = next((v for v in re.findall(r"\d{4}-\d{1,2}-\d{1,2}", text) if not _valid(v)), "")
        raise Invalid(BAD_DATE.format(value=bad), field="file") from None
    if not isinstance(data, dict) or "holidays" not in data:
        raise Invalid(BAD_FORMAT, field="file")
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise Invalid(BAD_YEAR, field="file")
    off, working = {}, {}
    for target, key in ((off, "holidays"), (working, "workdays")):
        for item in data.get(key) or []:
            name = str(item.get("name", "")).strip()[:40] if isinstance(item, dict) else ""
            for day in _span(item):
                if day in off or day in working:
                    raise Invalid(BOTH.format(day=day), field="file")
                target[day] = name
    return Schedule(year=year, source=(source or str(data.get("source") or "")).strip()[:200], off=off,
                    working=working)


def _from_csv(text: str, source: str) -> Schedule:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    off, working = {}, {}
    for number, row in enumerate(rows, start=2):
        kind = (row.get("type") or "").strip()
        if kind not in TYPES:
            raise Invalid(BAD_TYPE.format(row=number, value=kind[:10]), field="file")
        day = _date(row.get("date"))
        if day in off or day in working:
            raise Invalid(BOTH.format(day=day), field="file")
        (working if TYPES[kind] else off)[day] = (row.get("name") or "").strip()[:40]
    if not off:
        raise Invalid(NO_HOLIDAYS, field="file")
    return Schedule(year=max(off).year, source=source.strip()[:200], off=off, working=working)


def parse(text: str, *, filename: str = "", source: str = "") -> Schedule:
    """Read and check a schedule file; raises Invalid (one Chinese line) on the first problem."""
    first_line = text.lstrip("\ufeff").splitlines()[0].strip().lower() if text.strip() else ""
    if filename.lower().endswith(".csv") or first_line.startswith("date,"):
        schedule = _from_csv(text, source)
    elif filename.lower().endswith((".yaml", ".yml")) or ":" in first_line:
        schedule = _from_yaml(text, source)
    else:
        raise Invalid(BAD_FORMAT, field="file")
    check(schedule)
    return schedule


def check(schedule: Schedule) -> None:
    """The whole schedule is consistent and complete, or Invalid names the first problem."""
    year = schedule.year
    if not schedule.off:
        raise Invalid(NO_HOLIDAYS, field="file")
    for day in list(schedule.off) + list(schedule.working):
        if not (day.year == year or (day.year == year - 1 and day.month == 12 and day.day >= 25)):
            raise Invalid(OUT_OF_YEAR.format(day=day, year=year), field="file")
    for day in sorted(schedule.working):
        if day.weekday() < 5:
            raise Invalid(NOT_WEEKEND.format(day=day, weekday=WEEKDAYS[day.weekday()]), field="file")
    for day, name in sorted(holidays.by_rule(year).items()):
        if "补假" not in name and day not in schedule.off:
            raise Invalid(MISSING.format(name=name, day=day), field="file")
