"""The working-day calendar staff own: import a year's official 放假安排, correct a single day, read a year back.

Guarantee: an import is checked whole before anything is written (a bad file changes nothing); it replaces that
year's earlier import; it is audited (the audit trail is the calendar's history). Once a year is covered, every
running case whose date was 估算 is recomputed and its mark cleared (`recompute_estimated`); when a date the
consumer was told moves, the case history says so and the consumer is told through `case_flow.tell` (customer
service → template → subscription → next message). `import_and_notify` commits the import before anyone is told.
Files are read by `services.calendar_files`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import chinese_calendar
from sqlalchemy import delete, select

import logs
from extensions import db
from models import AuditEvent, CalendarOverride, CalendarYear
from models.case_event import CaseEvent, EventKind
from models.complaint import Case
from services import Invalid, audit, case_flow, deadlines, holidays, tx
from services.calendar_files import Schedule
from services.clock import china_today
from services.sender import Sender

log = logs.get(__name__)

SAME_DAY = "{day} 本来就是{what}，无需更正"
MOVED = "【案件进度】国务院办公厅已公布{year}年放假安排，您的{kind}（编号 {number}）{title}期限由 {old} 调整为 {new}。"
MOVED_EVENT = "{year}年放假安排已录入，{title}期限由 {old} 调整为 {new}"
CONFIRMED_EVENT = "{year}年放假安排已录入，{title}期限 {due} 经核对不变，取消“估算”标记"

LIBRARY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                 "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日"}


@dataclass
class Moved:
    case: Case
    old: date
    new: date


@dataclass
class ImportResult:
    schedule: Schedule
    recomputed: int = 0
    moved: list[Moved] = field(default_factory=list)


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    name: str
    origin: str                           # "import", "staff", "library", "rule"


# --- writing ----------------------------------------------------------------------------------------------------

def _summary(year: int) -> dict:
    row = db.session.get(CalendarYear, year)
    days = db.session.scalars(select(CalendarOverride).where(CalendarOverride.year == year)
                              .order_by(CalendarOverride.day)).all()
    if row is None and not days:
        return {}
    return {"source": row.source if row else "", "holidays": [d.day.isoformat() for d in days if not d.working],
            "workdays": [d.day.isoformat() for d in days if d.working]}


def import_schedule(schedule: Schedule, *, actor, now: datetime) -> CalendarYear:
    """Replace `schedule.year`'s imported days with these and mark the year covered; audited (caller commits)."""
    before = _summary(schedule.year)
    db.session.execute(delete(CalendarOverride).where(CalendarOverride.year == schedule.year))
    for days, working in ((schedule.off, False), (schedule.working, True)):
        for day, name in days.items():
            db.session.merge(CalendarOverride(day=day, working=working, note=name, year=schedule.year))
    row = db.session.get(CalendarYear, schedule.year) or CalendarYear(year=schedule.year)
    row.source, row.holidays, row.workdays = schedule.source, len(schedule.off), len(schedule.working)
    row.imported_at, row.imported_by = now, (getattr(actor, "username", None) or str(actor))[:64]
    db.session.add(row)
    db.session.flush()
    audit.record(actor=actor, action="calendar.import", obj_type="calendar", obj_id=schedule.year,
                 before=before or None, after=_summary(schedule.year), now=now)
    log.info("calendar imported", year=schedule.year, holidays=len(schedule.off), workdays=len(schedule.working))
    return row


def _long(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def recompute_estimated(*, now: datetime) -> tuple[int, list[Moved]]:
    """Recompute every running case marked 估算 with today's calendar; returns (how many, those whose date moved).
    Each moved date is written to the case history (caller commits, then tells the consumers)."""
    cases = db.session.scalars(select(Case).where(Case.due_estimated, Case.clock.is_not(None),
                                                  Case.due_on.is_not(None),
                                                  Case.status.not_in(case_flow.FINAL))).all()
    moved, count = [], 0
    for case in cases:
        rule = deadlines.clock(case.clock)
        start = china_today(case.clock_started_at or case.received_at)
        deadline = deadlines.due(rule, start, paused_days=case.paused_days)
        count += 1
        old = case.due_on
        case.due_on, case.due_estimated = deadline.due_on, deadline.estimated
        if deadline.due_on != old:
            moved.append(Moved(case=case, old=old, new=deadline.due_on))
            text = MOVED_EVENT.format(year=deadline.due_on.year, title=rule.title, old=_long(old),
                                      new=_long(deadline.due_on))
        else:
            text = CONFIRMED_EVENT.format(year=old.year, title=rule.title, due=_long(old))
        db.session.add(CaseEvent(case_id=case.id, at=now, text=text, visible=deadline.due_on != old,
                                 kind=EventKind.REPLY if deadline.due_on != old else EventKind.NOTE))
    db.session.flush()
    log.info("estimated deadlines recomputed", cases=count, moved=len(moved))
    return count, moved


def import_and_notify(schedule: Schedule, *, actor, now: datetime, sender: Sender) -> ImportResult:
    """Import, recompute 估算 cases and commit; then tell each consumer whose date moved, and commit again."""
    import_schedule(schedule, actor=actor, now=now)
    count, moved = recompute_estimated(now=now)
    tx.commit()                                         # the calendar and the new dates stand before anyone is told
    for item in moved:
        case, rule = item.case, deadlines.clock(item.case.clock)
        text = MOVED.format(year=schedule.year, kind=case.kind_label, number=case.number, title=rule.title,
                            old=_long(item.old), new=_long(item.new))
        case_flow.tell(case, text, now=now, sender=sender, source="calendar")
        tx.commit()
    return ImportResult(schedule=schedule, recomputed=count, moved=moved)


def set_day(*, day: date, working: bool, note: str, actor, now: datetime) -> CalendarOverride:
    """A staff correction of one day (dates already told are not moved); audited (caller commits)."""
    row = db.session.get(CalendarOverride, day)
    before = {"working": row.working, "note": row.note} if row else None
    if row is None and deadlines.is_working_day(day) == working:
        raise Invalid(SAME_DAY.format(day=day, what="工作日" if working else "休息日"), field="day")
    row = row or CalendarOverride(day=day, year=None)
    row.working, row.note = working, note.strip()[:100]
    db.session.add(row)
    db.session.flush()
    audit.record(actor=actor, action="calendar.day", obj_type="calendar", obj_id=day.isoformat(), before=before,
                 after={"working": working, "note": row.note}, now=now)
    return row


def remove_day(*, day: date, actor, now: datetime) -> None:
    row = db.session.get(CalendarOverride, day)
    if row is None:
        return
    audit.record(actor=actor, action="calendar.day_removed", obj_type="calendar", obj_id=day.isoformat(),
                 before={"working": row.working, "note": row.note}, after=None, now=now)
    db.session.delete(row)
    db.session.flush()


# --- reading back -----------------------------------------------------------------------------------------------

def source_of(year: int) -> tuple[str, CalendarYear | None]:
    """Where `year`'s days come from: "import", "library" or "rule" (estimated), and the import row if any."""
    row = db.session.get(CalendarYear, year)
    if row is not None:
        return "import", row
    return ("library" if deadlines.library_knows(year) else "rule"), None


def days_of(year: int) -> list[Day]:
    """Every day of `year` that differs from Monday–Friday, with its name and where that comes from."""
    origin, _ = source_of(year)
    overrides = {r.day: r for r in db.session.scalars(select(CalendarOverride).where(
        CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31))))}
    rule = holidays.by_rule(year) if origin == "rule" else {}
    imported = deadlines.imported_years()
    out, day = [], date(year, 1, 1)
    while day.year == year:
        row = overrides.get(day)
        working = deadlines.base_working(day, imported) if row is None else row.working
        if working != (day.weekday() < 5):
            if row is not None:
                out.append(Day(day, working, row.note, "import" if row.year else "staff"))
            elif origin == "library":
                name = chinese_calendar.get_holiday_detail(day)[1] or ""
                out.append(Day(day, working, LIBRARY_NAMES.get(name, name), "library"))
            elif day in rule:
                out.append(Day(day, working, rule[day], "rule"))
        day += timedelta(days=1)
    return out


def history(limit: int = 50) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar")
                                   .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))


def years_to_enter(today: date) -> list[int]:
    """Years staff should import now: this year if unknown, and from each October next year too."""
    years = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    return [y for y in years if not deadlines.calendar_known(date(y, 1, 1))]
