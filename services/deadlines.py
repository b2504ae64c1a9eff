"""Chinese working days and the statutory clocks built on them.

Working days, first answer wins: a day staff entered (`calendar_overrides`: an imported official 放假安排 or a
single-day correction); chinese-calendar for the years it knows; Monday–Friday for a year whose official schedule
staff imported (`calendar_years`; the import lists every day off and every 调休 make-up day); otherwise the
statutory holidays by rule (`services.holidays`) — and every result that needed the rule says so (`estimated`),
so the console and the case show 估算 until the year is imported (`services.work_calendar`).

Statutory clocks are data (`statutory_clocks`, editable by an admin): name, length, unit (working/calendar days) and
legal basis. `DEFAULT_CLOCKS` is what a fresh install (and a row an admin never saved) uses. A due date computed here
is stored on the case when told to the consumer; only importing a year's official schedule recomputes 估算 dates, and
the consumer is told when one moves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import chinese_calendar
from sqlalchemy import select

from extensions import db
from models import CalendarOverride, CalendarYear
from models.statutory_clock import ClockName, StatutoryClock
from services import Invalid, NotFound, holidays

UNKNOWN_YEAR_WARNING = ("{year}年的放假安排尚未录入，期限按《全国年节及纪念日放假办法》规定的节日估算（不含调休），"
                        "请在「工作日日历」中导入国务院办公厅公布的放假安排。")


class Unit(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


UNIT_LABELS = {Unit.WORKING: "个工作日", Unit.CALENDAR: "日"}


@dataclass(frozen=True)
class ClockRule:
    name: ClockName
    title: str
    days: int
    unit: Unit
    basis: str

    @property
    def text(self) -> str:
        return f"{self.days}{UNIT_LABELS[self.unit]}"

    @property
    def verified(self) -> bool:
        """False while the basis carries the UNVERIFIED mark: the console shows 未核实 until an admin checks the
        source and saves the clock without it."""
        return UNVERIFIED not in self.basis


UNVERIFIED = "【未核实】"

# DESIGN §4. The complaint rule of 2026 (总局令第121号) replaced 第20号令: cite the stable higher laws (law-facts §0.2).
DEFAULT_CLOCKS: dict[str, ClockRule] = {r.name: r for r in (
    ClockRule(ClockName.COMPLAINT_ACCEPTANCE, "投诉受理决定", 7, Unit.WORKING,
              "《消费者权益保护法》第46条、《消费者权益保护法实施条例》第46条：自收到投诉之日起7个工作日内处理并告知"),
    ClockRule(ClockName.COMPLAINT_MEDIATION, "投诉调解", 60, Unit.CALENDAR,
              "《消费者权益保护法实施条例》第46条：受理之日起60日内调解完毕，鉴定、检测时间不计算在内"),
    ClockRule(ClockName.REPORT_VERIFICATION, "举报核查与立案决定", 15, Unit.WORKING,
              "《市场监督管理行政处罚程序规定》第18条：自收到材料之日起15个工作日内核查并决定是否立案"),
    # law-facts FSL-88: the business may apply for 复检 within 7 working days of receiving the conclusion.
    ClockRule(ClockName.SAMPLING_RECHECK, "复检申请期限", 7, Unit.WORKING,
              "《食品安全法》第八十八条：食品生产经营者可以自收到检验结论之日起七个工作日内申请复检"),
    # The 完成核查处置 limit of 《食品安全抽样检验管理办法》 could not be checked against the text (issue 17): the
    # days and article are a placeholder an admin confirms or corrects in 法定期限.
    ClockRule(ClockName.SAMPLING_DISPOSAL, "不合格食品核查处置", 90, Unit.CALENDAR,
              UNVERIFIED + "《食品安全抽样检验管理办法》（核查处置一章）规定的完成核查处置时限；天数与条款未经核对原文，"
              "请管理员核对后修改并删去“【未核实】”"),
)}


@dataclass(frozen=True)
class Deadline:
    due_on: date
    estimated: bool             # part of the span lies in a year whose official schedule is not known

    @property
    def warning(self) -> str | None:
        return UNKNOWN_YEAR_WARNING.format(year=self.due_on.year) if self.estimated else None


# --- working days -------------------------------------------------------------------------------------------------

def library_knows(year: int) -> bool:
    """True when chinese-calendar has the official holiday schedule of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def imported_years() -> set[int]:
    return set(db.session.scalars(select(CalendarYear.year)))


def calendar_known(day: date) -> bool:
    """True when the official schedule of `day`'s year is known (chinese-calendar or imported by staff)."""
    return library_knows(day.year) or db.session.get(CalendarYear, day.year) is not None


def _overrides(start: date, end: date) -> dict[date, bool]:
    rows = db.session.scalars(select(CalendarOverride).where(CalendarOverride.day.between(start, end)))
    return {row.day: row.working for row in rows}


def base_working(day: date, imported: set[int]) -> bool:
    """Working or not when no staff override names the day."""
    if library_knows(day.year):
        return chinese_calendar.is_workday(day)
    if day.year in imported:          # the import listed every holiday and 调休 day of the year
        return day.weekday() < 5
    return holidays.is_working_by_rule(day)


def is_working_day(day: date) -> bool:
    override = _overrides(day, day).get(day)
    return base_working(day, imported_years()) if override is None else override


def add_working_days(start: date, n: int) -> date:
    """The date `n` working days after `start` (the receipt day itself does not count)."""
    overrides = _overrides(start, start + timedelta(days=n * 3 + 60))
    imported = imported_years()
    day, left = start, n
    while left > 0:
        day += timedelta(days=1)
        working = overrides.get(day)
        if working is None:
            working = base_working(day, imported)
        if working:
            left -= 1
    return day


def _estimated(first: date, last: date) -> bool:
    imported = imported_years()
    return not all(library_knows(y) or y in imported for y in range(first.year, last.year + 1))


# --- statutory clocks ---------------------------------------------------------------------------------------------

def clock(name: str) -> ClockRule:
    """The rule as an admin last saved it, else the default. A name that is no ClockName is NotFound."""
    if name not in DEFAULT_CLOCKS:
        raise NotFound(f"没有名为 {name} 的法定期限")
    row = db.session.get(StatutoryClock, name)
    if row is not None:
        return ClockRule(ClockName(row.name), row.title, row.days, Unit(row.unit), row.basis)
    return DEFAULT_CLOCKS[ClockName(name)]


def clocks() -> list[ClockRule]:
    return [clock(name) for name in DEFAULT_CLOCKS]


def update_clock(*, name: str, days: int, unit: str, basis: str, now: datetime) -> ClockRule:
    """Save an admin's edit of a clock (caller audits and commits). Cases already told keep their dates."""
    current = clock(name)
    if not 1 <= int(days) <= 365:
        raise Invalid("期限天数应在 1 到 365 之间", field="days")
    if unit not in set(Unit):
        raise Invalid("单位只能是工作日或自然日", field="unit")
    if not basis.strip():
        raise Invalid("请写明法律依据", field="basis")
    row = db.session.get(StatutoryClock, name) or StatutoryClock(name=name, title=current.title)
    row.days, row.unit, row.basis, row.updated_at = int(days), unit, basis.strip(), now
    db.session.add(row)
    db.session.flush()
    return clock(name)


def seed_clocks() -> int:
    """Write the default rules that have no row yet (`flask seed`); returns how many were added (the caller commits)."""
    added = 0
    for rule in DEFAULT_CLOCKS.values():
        if db.session.get(StatutoryClock, rule.name) is None:
            db.session.add(StatutoryClock(name=rule.name, title=rule.title, days=rule.days, unit=rule.unit,
                                          basis=rule.basis))
            added += 1
    db.session.flush()
    return added


def due(rule: ClockRule, start: date, *, paused_days: int = 0) -> Deadline:
    """When `rule` started on `start` (that day not counted) runs out; `paused_days` calendar days are added back
    (testing/appraisal time is not counted, 实施条例第46条). A calendar-day period ending on a holiday runs to the
    next working day."""
    if rule.unit == Unit.WORKING:
        end = add_working_days(start, rule.days) + timedelta(days=paused_days)
        return Deadline(due_on=end, estimated=_estimated(start, end))
    end = start + timedelta(days=rule.days + paused_days)
    # 民法典第203条: a period whose last day is a statutory holiday ends on the day after the holiday.
    while not is_working_day(end):
        end += timedelta(days=1)
    return Deadline(due_on=end, estimated=_estimated(end, end))


def unknown_years(today: date, *, ahead: int = 1) -> list[int]:
    """This year and the next `ahead` years whose official schedule is not known yet (for a console warning)."""
    return [y for y in range(today.year, today.year + ahead + 1) if not calendar_known(date(y, 1, 1))]
