"""The bureau's profile (name, contact details, office hours) as staff set it in the console, with defaults."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, time

from extensions import db
from models import Setting
from services import Invalid, deadlines
from services.clock import to_china

PROFILE_KEY = "bureau_profile"


@dataclass
class Profile:
    name: str = "县市场监督管理局"
    phone: str = "0000-1234567"
    address: str = "县政务服务中心一楼 市场监管窗口"
    hotline: str = "12315"
    # Office hours on working days, China time, as "HH:MM-HH:MM" ranges.
    office_hours: list[str] = field(default_factory=lambda: ["08:30-12:00", "14:30-18:00"])

    def hours_text(self) -> str:
        return "工作日 " + "、".join(self.office_hours)


def _parse_range(text: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as exc:
        raise Invalid(f"办公时间「{text}」格式应为 08:30-12:00", field="office_hours") from exc
    if start >= end:
        raise Invalid(f"办公时间「{text}」开始应早于结束", field="office_hours")
    return start, end


def profile() -> Profile:
    row = db.session.get(Setting, PROFILE_KEY)
    if row is None:
        return Profile()
    known = {k: v for k, v in row.value.items() if k in Profile.__dataclass_fields__}
    return Profile(**known)


def update_profile(*, now: datetime, **values: object) -> Profile:
    """Validate and store the profile (caller commits and audits)."""
    merged = asdict(profile()) | {k: v for k, v in values.items() if k in Profile.__dataclass_fields__}
    current = Profile(**merged)
    for rng in current.office_hours:
        _parse_range(rng)
    if not current.name.strip():
        raise Invalid("单位名称不能为空", field="name")
    row = db.session.get(Setting, PROFILE_KEY) or Setting(key=PROFILE_KEY, value={})
    row.value = asdict(current)
    row.updated_at = now
    db.session.add(row)
    return current


def in_office_hours(now: datetime, prof: Profile | None = None) -> bool:
    """True when staff are at their desks: a working day and inside one of the ranges (China time)."""
    prof = prof or profile()
    local = to_china(now)
    if not deadlines.is_working_day(local.date()):
        return False
    return any(start <= local.time() < end for start, end in map(_parse_range, prof.office_hours))
