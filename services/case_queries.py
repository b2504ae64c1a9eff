"""Reading cases for staff: the queues (by status, kind, department, assignee, due soon, overdue), one case with its
whole history and photos, and the counts the dashboard shows — always limited to what the reader may see."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select

from extensions import db
from models.case_event import CaseEvent
from models.case_followup import CaseRating, CaseReview
from models.complaint import Case, Status
from models.evidence import EvidencePhoto
from services import NotFound, case_access
from services.clock import china_today

RUNNING = (Status.SUBMITTED, Status.ACCEPTED)
OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.PAUSED, Status.FILED)       # still being handled
DUE_SOON_DAYS = 2
NOT_FOUND = "案件不存在或不属于您所在的部门"


def _visible(query: Select, viewer: Any) -> Select:
    departments = case_access.visible_departments(viewer)
    if departments is None:
        return query
    return query.where(Case.department_id.in_(sorted(departments) or [-1]))


def queue(*, viewer: Any, now: datetime, status: str | None = None, kind: str | None = None,
          department_id: int | None = None, assignee_id: int | None = None, due: str | None = None,
          number: str | None = None, review: bool = False, text: str | None = None, sort: str | None = None,
          open_only: bool = False, received_from: datetime | None = None,
          received_to: datetime | None = None) -> Select:
    """The cases `viewer` may see, filtered; overdue and due-soon first come by due date.

    `text` searches the number, the business's name and address, and — for readers who see personal data in
    full — the consumer's name and phone. `sort="due"` puts the nearest deadline first. `received_from`/`received_to`
    bound the receipt time (naive UTC, the end exclusive): the period of a campaign report (`services.campaign_report`
    counts with this same query)."""
    today = china_today(now)
    query = _visible(select(Case), viewer)
    if text and text.strip():
        query = query.where(_matches(text.strip(), viewer))
    if status:
        query = query.where(Case.status == status)
    if open_only:
        query = query.where(Case.status.in_(OPEN))
    if received_from is not None:
        query = query.where(Case.received_at >= received_from)
    if received_to is not None:
        query = query.where(Case.received_at < received_to)
    if kind:
        query = query.where(Case.kind == kind)
    if department_id:
        query = query.where(Case.department_id == department_id)
    if assignee_id is not None:
        # 0 means "nobody yet": the unassigned queue
        query = query.where(Case.assignee_id == assignee_id) if assignee_id else query.where(Case.assignee_id.is_(None))
    if due == "overdue":
        query = query.where(Case.status.in_(RUNNING), Case.due_on < today)
    elif due == "soon":
        query = query.where(Case.status.in_(RUNNING), Case.due_on >= today,
                            Case.due_on <= today + timedelta(days=DUE_SOON_DAYS))
    if number:
        query = query.where(Case.number.contains(number.strip().upper()))
    if review:
        query = query.where(Case.id.in_(select(CaseReview.case_id).where(CaseReview.done_at.is_(None))))
    if due in {"overdue", "soon"} or sort == "due":
        return query.order_by(Case.due_on.is_(None), Case.due_on, Case.id)
    return query.order_by(Case.received_at.desc(), Case.id.desc())


def _matches(text: str, viewer: Any):
    """Case number, business name or address contain `text`; so may the consumer's name or phone, for readers
    who see them unmasked (a viewer cannot find a case by a phone number it may not see)."""
    pattern = f"%{text[:100]}%"
    columns = [Case.number.ilike(f"%{text[:20].upper()}%"), Case.business_name.ilike(pattern),
               Case.business_address.ilike(pattern)]
    if case_access.shows_personal_to(viewer):
        columns += [Case.name.ilike(pattern), Case.phone.ilike(pattern)]
    return or_(*columns)


MAX_ID = 2**31 - 1                  # an id no INTEGER column holds is simply not found


def get_for(viewer: Any, case_id: int) -> Case:
    case = db.session.get(Case, case_id) if 0 < case_id <= MAX_ID else None
    if case is None:
        raise NotFound(NOT_FOUND, field="case_id")
    case_access.require_read(viewer, case)
    return case


def by_number(viewer: Any, number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.number == number.strip().upper()))
    if case is None:
        raise NotFound(NOT_FOUND, field="number")
    case_access.require_read(viewer, case)
    return case


def history(case_id: int) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.at, CaseEvent.id)))


def photos(case_id: int) -> list[EvidencePhoto]:
    return list(db.session.scalars(select(EvidencePhoto).where(EvidencePhoto.case_id == case_id)
                                   .order_by(EvidencePhoto.id)))


def rating(case_id: int) -> CaseRating | None:
    return db.session.scalar(select(CaseRating).where(CaseRating.case_id == case_id))


def review(case_id: int) -> CaseReview | None:
    return db.session.scalar(select(CaseReview).where(CaseReview.case_id == case_id))


def count(viewer: Any, *, now: datetime, status: str | None = None, due: str | None = None,
          assignee_id: int | None = None, review: bool = False, open_only: bool = False) -> int:
    query = queue(viewer=viewer, now=now, status=status, due=due, assignee_id=assignee_id, review=review,
                  open_only=open_only).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def by_status(viewer: Any) -> list[tuple[str, int]]:
    from services import case_flow
    from models.complaint import Kind
    query = _visible(select(Case.kind, Case.status, func.count()), viewer).group_by(Case.kind, Case.status)
    rows = db.session.execute(query).all()
    labels: dict[str, int] = {}
    for kind, status, n in rows:
        label = ("投诉" if kind == Kind.COMPLAINT else "举报") + case_flow.LABELS[Kind(kind)].get(Status(status), status)
        labels[label] = labels.get(label, 0) + n
    return sorted(labels.items(), key=lambda kv: -kv[1])


def overdue_flag(case: Case, today: date) -> str:
    """`overdue`, `soon` or '' for a case's running clock, for badges."""
    if case.status not in RUNNING or case.due_on is None:
        return ""
    if case.due_on < today:
        return "overdue"
    return "soon" if case.due_on <= today + timedelta(days=DUE_SOON_DAYS) else ""


