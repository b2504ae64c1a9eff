"""值班表: who is on duty when — a weekly pattern, dated overrides, and a campaign switch for 24-hour duty.

Times are China time. Without any roster the bureau's office hours (`services.bureau`) are the duty hours, with
nobody named. During a campaign (e.g. 3·15, 3月13日–3月17日) duty runs all day: the people rostered for that day are
on duty around the clock (the admins when nobody is). Functions change and flush; the caller commits and audits.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from extensions import db
from models import Setting, Staff
from models.inbox import DutyOverride, DutySlot
from models.staff import Role
from services import Invalid, NotFound, audit, bureau, deadlines
from services.clock import from_china, to_china

CAMPAIGN_KEY = "duty_campaign"
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
BAD_RANGE = "值班时间应为开始早于结束，如 08:30 至 17:30"
BAD_WEEKDAY = "请选择星期几"
BAD_CAMPAIGN = "活动期间的开始日期不能晚于结束日期"
NO_STAFF = "没有这位在岗工作人员"
SEARCH_DAYS = 14          # how far ahead the next duty start is looked for


def _person(staff_id: int) -> Staff:
    person = db.session.get(Staff, staff_id)
    if person is None or not person.active or person.role == Role.VIEWER:
        raise Invalid(NO_STAFF, field="staff_id")
    return person


def _check(start: time, end: time) -> None:
    if start >= end:
        raise Invalid(BAD_RANGE, field="start")


def slots() -> list[DutySlot]:
    return list(db.session.scalars(select(DutySlot).order_by(DutySlot.weekday, DutySlot.start)))


def overrides(*, since: date) -> list[DutyOverride]:
    return list(db.session.scalars(select(DutyOverride).where(DutyOverride.day >= since)
                                   .order_by(DutyOverride.day, DutyOverride.start)))


def add_slot(*, weekday: int, start: time, end: time, staff_id: int, by, now: datetime) -> DutySlot:
    if not 0 <= weekday <= 6:
        raise Invalid(BAD_WEEKDAY, field="weekday")
    _check(start, end)
    _person(staff_id)
    slot = DutySlot(weekday=weekday, start=start, end=end, staff_id=staff_id)
    db.session.add(slot)
    db.session.flush()
    audit.record(actor=by, action="duty.slot_add", obj_type="duty_slot", obj_id=slot.id, now=now,
                 after={"weekday": weekday, "start": start, "end": end, "staff_id": staff_id})
    return slot


def add_override(*, day: date, staff_id: int, by, now: datetime, start: time | None = None,
                 end: time | None = None, off: bool = False) -> DutyOverride:
    if not off:
        if start is None or end is None:
            raise Invalid(BAD_RANGE, field="start")
        _check(start, end)
    _person(staff_id)
    row = DutyOverride(day=day, start=None if off else start, end=None if off else end, staff_id=staff_id, off=off)
    db.session.add(row)
    db.session.flush()
    audit.record(actor=by, action="duty.override_add", obj_type="duty_override", obj_id=row.id, now=now,
                 after={"day": day, "start": start, "end": end, "staff_id": staff_id, "off": off})
    return row


def remove(*, kind: str, row_id: int, by, now: datetime) -> None:
    model = {"slot": DutySlot, "override": DutyOverride}.get(kind)
    if model is None or db.session.get(model, row_id) is None:
        raise NotFound("没有这条值班安排", field="id")
    db.session.execute(delete(model).where(model.id == row_id))
    audit.record(actor=by, action=f"duty.{kind}_remove", obj_type=f"duty_{kind}", obj_id=row_id, now=now)


def campaign() -> tuple[date, date] | None:
    row = db.session.get(Setting, CAMPAIGN_KEY)
    if row is None or not row.value.get("start"):
        return None
    return date.fromisoformat(row.value["start"]), date.fromisoformat(row.value["end"])


def set_campaign(*, start: date | None, end: date | None, by, now: datetime) -> None:
    """Switch 24-hour duty on for start..end (both inclusive), or off with None."""
    if start and end and start > end:
        raise Invalid(BAD_CAMPAIGN, field="start")
    row = db.session.get(Setting, CAMPAIGN_KEY) or Setting(key=CAMPAIGN_KEY, value={})
    row.value = {"start": start.isoformat(), "end": end.isoformat()} if start and end else {}
    row.updated_at = now
    db.session.add(row)
    audit.record(actor=by, action="duty.campaign", obj_type="setting", obj_id=CAMPAIGN_KEY, after=row.value, now=now)


def _ranges(day: date) -> list[tuple[time, time, int]]:
    """(start, end, staff_id) on `day`: the weekly pattern minus people marked off, plus dated additions."""
    dated = list(db.session.scalars(select(DutyOverride).where(DutyOverride.day == day)))
    off = {o.staff_id for o in dated if o.off}
    found = [(s.start, s.end, s.staff_id) for s in db.session.scalars(
        select(DutySlot).where(DutySlot.weekday == day.weekday())) if s.staff_id not in off]
    found += [(o.start, o.end, o.staff_id) for o in dated if not o.off and o.start and o.end]
    return found


def _has_roster() -> bool:
    return db.session.scalar(select(DutySlot.id).limit(1)) is not None or \
        db.session.scalar(select(DutyOverride.id).limit(1)) is not None


def _in_campaign(day: date) -> bool:
    span = campaign()
    return span is not None and span[0] <= day <= span[1]


def _admins() -> list[int]:
    return list(db.session.scalars(select(Staff.id).where(Staff.role == Role.ADMIN, Staff.active)))


def on_duty(now: datetime) -> tuple[bool, list[Staff]]:
    """(covered, people): whether someone is on duty at `now`, and who (empty when only office hours apply)."""
    local = to_china(now)
    day, moment = local.date(), local.time()
    if _in_campaign(day):
        ids = {sid for _, _, sid in _ranges(day)} or set(_admins())
    elif not _has_roster():
        return bureau.in_office_hours(now), []
    else:
        ids = {sid for start, end, sid in _ranges(day) if start <= moment < end}
    people = [p for p in (db.session.get(Staff, i) for i in sorted(ids)) if p is not None and p.active]
    return bool(people), people


def next_start(now: datetime) -> datetime | None:
    """When duty next begins after `now` (naive UTC), looking two weeks ahead; None when nothing is rostered."""
    local = to_china(now).replace(tzinfo=None)
    if not _has_roster() and campaign() is None:
        return _next_office_hours(now)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if _in_campaign(day):
            start = datetime.combine(day, time())
            if start > local:
                return from_china(start)
            continue
        starts = sorted(datetime.combine(day, s) for s, _, _ in _ranges(day))
        for start in starts:
            if start > local:
                return from_china(start)
    return None


def _next_office_hours(now: datetime) -> datetime | None:
    """The next opening of the bureau's office hours (working days only), when no roster is kept."""
    local = to_china(now).replace(tzinfo=None)
    ranges = [r.split("-")[0].strip() for r in bureau.profile().office_hours]
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if not deadlines.is_working_day(day):
            continue
        for start in sorted(datetime.combine(day, time.fromisoformat(r)) for r in ranges):
            if start > local:
                return from_china(start)
    return None
