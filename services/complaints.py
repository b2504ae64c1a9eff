"""投诉 and 举报 as the consumer sees them: validate an intake, file it exactly once, list and show their own cases,
withdraw one before acceptance, rate one after it is closed.

Staff handling (the transition table, accept/reject/close, notices) is `services.case_flow`; photos are
`services.case_evidence`; reminders `services.case_reminders`; the Excel report `services.complaint_export`.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

import logs
from extensions import db
from models.case_event import CaseEvent, EventKind
from models.case_followup import CaseRating, CaseReview
from models.complaint import Case, CaseCounter, Kind, Status
from models.evidence import EvidencePhoto
from models.statutory_clock import ClockName
from services import Conflict, Invalid, NotFound, amounts, deadlines, departments, followers
from services.case_reminders import send_reminders  # noqa: F401  (the scheduler calls complaints.send_reminders)
from services.clock import china_today

log = logs.get(__name__)

PREFIXES = {Kind.COMPLAINT: "TS", Kind.REPORT: "JB"}
FIRST_CLOCK = {Kind.COMPLAINT: ClockName.COMPLAINT_ACCEPTANCE, Kind.REPORT: ClockName.REPORT_VERIFICATION}
NUMBER_RE = re.compile(r"(TS|JB)\d{8}-\d{4,}", re.IGNORECASE)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
NO_AMOUNT = {"无", "没有", "0", "免费", "免费的", "没花钱", "没花", "没有花钱", "没花一分钱", "不要钱", "白送的", "送的"}
# Digits said in words, as voice input gives a phone number ("幺三八…", "一三八零…")
_SPOKEN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两洞", "00123456789120")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
REVIEW_AT_OR_BELOW = 2              # 不满意 or worse opens a 复核 task for the department head
RATABLE = {Status.CLOSED, Status.REJECTED, Status.NOT_FILED}
WITHDRAWABLE = {Status.SUBMITTED}
RETRIES = 5

BAD_PHONE = "电话号码不对：请填 11 位手机号（如 13812345678）或带区号的座机（如 0471-1234567）。"
BAD_AMOUNT = "金额请填数字（如 128、58.5 或 一百五十），记不清的话填个大概的数也行；没有花钱请回复“无”。"
BAD_NAME = "请填写您的真实姓名（2 到 20 个字，不含数字）。投诉需要真实身份信息，才能依法受理。"
EMPTY = "这一项不能为空，请再发一次。"
TOO_LONG = "内容太长了（最多 {limit} 字），请精简后再发。"
NOT_YOURS = "没有找到编号为 {number} 的案件。您只能查询自己提交的案件，请核对编号。"
CANNOT_WITHDRAW = "案件 {number} 当前状态为「{status}」，已受理或已办结的案件不能撤回。如需帮助请拨打 12315。"
# Why a case cannot be withdrawn, by its status: the real reason, not a generic one.
WITHDRAW_REFUSED = {
    Status.WITHDRAWN: "案件 {number} 已经撤回了，不需要再撤回。",
    Status.ACCEPTED: "案件 {number} 已经受理，正在调解，受理后不能在这里撤回。如果您和商家已经和解，"
                     "请告诉负责调解的工作人员，由他们办结；也可以拨打 12315。",
    Status.PAUSED: "案件 {number} 已经受理，正在检测鉴定，受理后不能在这里撤回。如需帮助请拨打 12315。",
    Status.FILED: "举报 {number} 已经立案调查，不能撤回。感谢您的监督。",
    Status.REJECTED: "案件 {number} 已经办结（不予受理），不需要撤回。",
    Status.NOT_FILED: "举报 {number} 已经办结（不予立案），不需要撤回。",
    Status.CLOSED: "案件 {number} 已经办结，不需要撤回。",
}
CANNOT_RATE = "案件 {number} 还没有办结，办结后才能评价。"
ALREADY_RATED = "案件 {number} 已经评价过了，感谢您的反馈。"
BAD_SCORE = "请回复 1 到 5 的数字：5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意。"
FILE_FAILED = "系统繁忙，案件没有提交成功，请稍后再回复“确认”。"


# --- validation (a clerk's checks; each raises Invalid with a friendly re-ask) ----------------------------------

def clean_text(value: str, *, limit: int, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(EMPTY, field=field)
    if len(value) > limit:
        raise Invalid(TOO_LONG.format(limit=limit), field=field)
    return value


def clean_amount(value: str) -> Decimal | None:
    """A paid amount in yuan (digits or Chinese numerals: services.amounts), or None for 无."""
    value = (value or "").strip().replace(" ", "")
    if value in NO_AMOUNT:
        return None
    amount = amounts.parse(value)
    if amount is None:
        raise Invalid(BAD_AMOUNT, field="amount")
    return amount if amount > 0 else None


def clean_name(value: str) -> str:
    value = (value or "").strip()
    if not 2 <= len(value) <= 20 or any(ch.isdigit() for ch in value):
        raise Invalid(BAD_NAME, field="name")
    return value


def clean_phone(value: str) -> str:
    """A mobile or landline number as people type or say it: full-width digits, digits in words ("幺三八…"),
    "138-0013-8000", or with words around it ("13800138000 白天打")."""
    value = unicodedata.normalize("NFKC", value or "").translate(_SPOKEN_DIGITS)
    value = re.sub(r"[\s()（）]", "", value).replace("—", "-")
    if value.startswith("+86"):
        value = value[3:]
    if MOBILE_RE.match(value) or LANDLINE_RE.match(value):
        return value
    if MOBILE_RE.match(value.replace("-", "")):
        return value.replace("-", "")
    found = _PHONE_IN_TEXT.findall(value)
    if len(found) == 1:
        return found[0]
    raise Invalid(BAD_PHONE, field="phone")


def new_intake_token() -> str:
    """Generated when a chat intake starts; a re-sent 确认 carries the same token and files nothing new."""
    return secrets.token_hex(12)


# --- filing -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Intake:
    kind: Kind
    business_name: str
    business_address: str
    story: str
    latitude: float | None = None
    longitude: float | None = None
    amount: Decimal | None = None
    wish: str | None = None                 # one or more Wish values joined by 、, 其他 with its words
    name: str | None = None
    phone: str | None = None
    anonymous: bool = False


def _next_number(prefix: str, day: date) -> str:
    """The next number for `prefix` on China day `day`: the counter row is updated (row-locked) in this
    transaction; the first of the day inserts it, and a concurrent insert fails the transaction for a retry."""
    bumped = db.session.execute(update(CaseCounter).where(CaseCounter.prefix == prefix, CaseCounter.day == day)
                                .values(last=CaseCounter.last + 1))
    if bumped.rowcount == 0:
        db.session.add(CaseCounter(prefix=prefix, day=day, last=1))
        db.session.flush()
    last = db.session.scalar(select(CaseCounter.last).where(CaseCounter.prefix == prefix, CaseCounter.day == day))
    return f"{prefix}{day:%Y%m%d}-{last:04d}"


def find_intake(*, openid: str, intake_token: str) -> Case | None:
    return db.session.scalar(select(Case).where(Case.openid == openid, Case.intake_token == intake_token))


def file(*, openid: str, intake_token: str, intake: Intake, now: datetime) -> Case:
    """File the intake as one case (flushed; the edge commits it before the reply that confirms it goes out); a
    second call with the same token returns the first case.

    The unique (openid, intake_token) constraint backs this when two deliveries race past the follower lock. Each
    attempt is a savepoint, so a lost race undoes only the attempt, never what the caller did before in the turn."""
    existing = find_intake(openid=openid, intake_token=intake_token)
    if existing is not None:
        return existing
    plan = _plan(intake, now)        # read before the savepoint: SQLite's write lock then comes first inside it
    for _ in range(RETRIES):
        try:
            with db.session.begin_nested():
                case = _insert(openid=openid, intake_token=intake_token, intake=intake, now=now, plan=plan)
        except IntegrityError:
            existing = find_intake(openid=openid, intake_token=intake_token)
            if existing is not None:
                return existing
            continue                           # a concurrent first-of-the-day counter insert: take the next number
        log.info("case filed", case=case.number, kind=case.kind, photos=len(case_photos(case.id)))
        return case
    raise Conflict(FILE_FAILED)


@dataclass(frozen=True)
class _Plan:
    """What filing reads first: the day, the first clock and its deadline, the department for the address."""
    today: date
    rule: deadlines.ClockRule
    deadline: deadlines.Deadline
    department_id: int | None


def _plan(intake: Intake, now: datetime) -> _Plan:
    today = china_today(now)
    rule = deadlines.clock(FIRST_CLOCK[intake.kind])
    department = departments.for_address(intake.business_address)
    return _Plan(today, rule, deadlines.due(rule, today), department.id if department else None)


def _insert(*, openid: str, intake_token: str, intake: Intake, now: datetime, plan: _Plan) -> Case:
    today, rule, deadline = plan.today, plan.rule, plan.deadline
    case = Case(
        number=_next_number(PREFIXES[intake.kind], today), kind=intake.kind, status=Status.SUBMITTED,
        openid=openid, intake_token=intake_token, business_name=intake.business_name,
        business_address=intake.business_address, latitude=intake.latitude, longitude=intake.longitude,
        story=intake.story, amount=intake.amount, wish=intake.wish, name=intake.name, phone=intake.phone,
        anonymous=intake.anonymous, sector="", department_id=plan.department_id,
        received_at=now, updated_at=now, clock=rule.name, clock_started_at=now, due_on=deadline.due_on,
        due_estimated=deadline.estimated, paused_days=0)
    db.session.add(case)
    db.session.flush()
    db.session.execute(update(EvidencePhoto).where(EvidencePhoto.openid == openid,
                                                   EvidencePhoto.intake_token == intake_token)
                       .values(case_id=case.id))
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.FILED, to_status=Status.SUBMITTED,
                             text=f"{case.kind_label}已登记，{rule.title}期限至 {deadline.due_on:%Y-%m-%d}",
                             visible=True))
    return case


def visible_events(case_id: int) -> list[CaseEvent]:
    """The history the consumer may read (status changes and replies), oldest first."""
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.visible)
                                   .order_by(CaseEvent.at, CaseEvent.id)))


def case_photos(case_id: int) -> list[EvidencePhoto]:
    return list(db.session.scalars(select(EvidencePhoto).where(EvidencePhoto.case_id == case_id)
                                   .order_by(EvidencePhoto.id)))


# --- the consumer's own cases --------------------------------------------------------------------------------------

def mine(*, openid: str, limit: int = 10) -> list[Case]:
    return list(db.session.scalars(select(Case).where(Case.openid == openid)
                                   .order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)))


def own(*, openid: str, number: str) -> Case:
    """One of the follower's cases by number; another follower's case is NotFound, exactly like a missing one."""
    number = number.strip().upper()
    case = db.session.scalar(select(Case).where(Case.number == number, Case.openid == openid))
    if case is None:
        raise NotFound(NOT_YOURS.format(number=number), field="number")
    return case


def withdrawable(*, openid: str, number: str) -> Case:
    """The follower's case if it may be withdrawn now; otherwise Conflict with the real reason."""
    from services import case_flow

    case = own(openid=openid, number=number)
    if case.status not in WITHDRAWABLE:
        reason = WITHDRAW_REFUSED.get(Status(case.status), CANNOT_WITHDRAW)
        raise Conflict(reason.format(number=case.number, status=case_flow.status_label(case)))
    return case


def withdraw(*, openid: str, number: str, now: datetime) -> Case:
    """The consumer withdraws a case not yet accepted (caller commits)."""
    from services import case_flow

    case = withdrawable(openid=openid, number=number)
    case_flow.move(case, Status.WITHDRAWN, now=now, actor=None, text="消费者撤回")
    return case


def ratable(*, openid: str) -> list[Case]:
    """The follower's closed cases still waiting for a rating."""
    rated = select(CaseRating.case_id)
    return list(db.session.scalars(select(Case).where(Case.openid == openid, Case.status.in_(list(RATABLE)),
                                                      Case.id.not_in(rated)).order_by(Case.id.desc())))


def rate(*, openid: str, number: str, score: int, comment: str, now: datetime) -> CaseRating:
    """Record the consumer's rating; 不满意 or worse opens a 复核 task for the department head (caller commits)."""
    case = own(openid=openid, number=number)
    if case.status not in RATABLE:
        raise Conflict(CANNOT_RATE.format(number=case.number))
    if not 1 <= score <= 5:
        raise Invalid(BAD_SCORE, field="score")
    if db.session.scalar(select(CaseRating).where(CaseRating.case_id == case.id)) is not None:
        raise Conflict(ALREADY_RATED.format(number=case.number))
    rating = CaseRating(case_id=case.id, score=score, comment=(comment or "").strip()[:500], at=now)
    db.session.add(rating)
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.RATED, text=f"评价：{RATINGS[score]}",
                             visible=True))
    if score <= REVIEW_AT_OR_BELOW:
        db.session.add(CaseReview(case_id=case.id, department_id=case.department_id, opened_at=now))
        db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.REVIEW, text="消费者不满意，已转部门负责人复核"))
    db.session.flush()
    return rating


# --- unsubscribe ---------------------------------------------------------------------------------------------------

@followers.on_unsubscribe
def _forget_drafts(openid: str, now: datetime) -> None:
    """A follower who leaves loses their unfiled photos; filed cases are kept (DESIGN §5)."""
    db.session.query(EvidencePhoto).filter(EvidencePhoto.openid == openid, EvidencePhoto.case_id.is_(None)) \
        .delete(synchronize_session=False)
