"""The 活动情况上报 workbook (openpyxl): the cases of a period with personal data masked, and the statistics the
campaign report asks for — counts by type, sector and department, on-time rate, satisfaction. Consumer text is
written as text, never a formula (services.sheets)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from extensions import db
from models import Department
from models.case_followup import CaseRating
from models.complaint import Case, Kind
from services import case_access, case_flow, privacy, sheets
from services.clock import from_china, to_china

CASE_HEADERS = ["编号", "类型", "状态", "受理/核查期限", "行业", "承办部门", "被投诉/举报对象", "地址",
                "诉求", "金额(元)", "投诉人/举报人", "电话", "提交时间", "办结时间", "办结结果", "是否超期", "评价",
                "12315编号"]
SATISFACTION = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
UNCLASSIFIED = "未分类"
UNROUTED = "未分配"


def cases_in(*, viewer: Any, start: date, end: date) -> list[Case]:
    """Cases received from `start` to `end` (China days, inclusive) that `viewer` may see."""
    lo = from_china(datetime.combine(start, time()))
    hi = from_china(datetime.combine(end + timedelta(days=1), time()))
    query = select(Case).where(Case.received_at >= lo, Case.received_at < hi).order_by(Case.received_at)
    departments = case_access.visible_departments(viewer)
    if departments is not None:
        query = query.where(Case.department_id.in_(sorted(departments) or [-1]))
    return list(db.session.scalars(query))


def statistics(cases: list[Case]) -> dict[str, Any]:
    """Counts by type, sector, department; on-time rate of finished clocks; satisfaction of rated cases."""
    names = {d.id: d.name for d in db.session.scalars(select(Department))}
    ratings = {r.case_id: r.score for r in db.session.scalars(
        select(CaseRating).where(CaseRating.case_id.in_([c.id for c in cases] or [-1])))}
    finished = [c for c in cases if c.closed_at is not None or c.accepted_at is not None]
    on_time = sum(1 for c in finished if not c.late)
    satisfied = sum(1 for s in ratings.values() if s >= 3)
    per_department: dict[str, Counter] = defaultdict(Counter)
    for c in cases:
        row = per_department[names.get(c.department_id, UNROUTED)]
        row[c.kind] += 1
        row["late"] += c.late
    return {
        "total": len(cases),
        "by_kind": Counter("投诉" if c.kind == Kind.COMPLAINT else "举报" for c in cases),
        "by_sector": Counter(c.sector or UNCLASSIFIED for c in cases),
        "by_department": per_department,
        "by_status": Counter(f"{c.kind_label}{case_flow.status_label(c)}" for c in cases),
        "decided": len(finished), "on_time": on_time,
        "on_time_rate": round(on_time / len(finished) * 100, 1) if finished else None,
        "rated": len(ratings), "satisfied": satisfied,
        "satisfaction_rate": round(satisfied / len(ratings) * 100, 1) if ratings else None,
        "by_score": Counter(SATISFACTION[s] for s in ratings.values()),
        "ratings": ratings, "department_names": names,
    }


def workbook(*, viewer: Any, start: date, end: date) -> bytes:
    """The .xlsx bytes: 统计 (the report figures) and 案件清单 (one masked row per case)."""
    cases = cases_in(viewer=viewer, start=start, end=end)
    stats = statistics(cases)
    book = Workbook()
    sheet = book.active
    sheet.title = "统计"
    bold = Font(bold=True)
    rows: list[list[Any]] = [[f"投诉举报情况统计（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"], [],
                             ["案件总数", stats["total"]]]
    rows += [["按类型"]] + [[k, v] for k, v in sorted(stats["by_kind"].items())] + [[]]
    rows += [["按行业"]] + [[k, v] for k, v in stats["by_sector"].most_common()] + [[]]
    rows += [["按承办部门", "投诉", "举报", "超期"]]
    rows += [[name, c[Kind.COMPLAINT], c[Kind.REPORT], c["late"]] for name, c in sorted(stats["by_department"].items())]
    rows += [[], ["按期办理"], ["已作出决定或办结", stats["decided"]], ["按期", stats["on_time"]],
             ["按期率(%)", stats["on_time_rate"] if stats["on_time_rate"] is not None else "—"], []]
    rows += [["满意度"], ["已评价", stats["rated"]], ["基本满意及以上", stats["satisfied"]],
             ["满意率(%)", stats["satisfaction_rate"] if stats["satisfaction_rate"] is not None else "—"]]
    rows += [[k, v] for k, v in stats["by_score"].most_common()]
    for row in rows:
        sheets.append(sheet, row)
    for cell in sheet["A"]:
        if cell.value in {"按类型", "按行业", "按承办部门", "按期办理", "满意度"} or cell.row == 1:
            cell.font = bold
    sheet.column_dimensions["A"].width = 28

    listing = book.create_sheet("案件清单")
    sheets.append(listing, CASE_HEADERS)
    for cell in listing[1]:
        cell.font = bold
    for c in cases:
        sheets.append(listing, _row(c, stats))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _row(c: Case, stats: dict[str, Any]) -> list[Any]:
    """One case with personal data masked whoever exports (DESIGN §5); a 举报人 not even masked."""
    if c.kind == Kind.REPORT:
        person, phone = ("匿名" if c.anonymous else "（保密）"), ""
    else:
        person, phone = privacy.mask_name(c.name), privacy.mask_phone(c.phone)
    score = stats["ratings"].get(c.id)
    return [c.number, c.kind_label, case_flow.status_label(c), c.due_on.isoformat() if c.due_on else "",
            c.sector or UNCLASSIFIED, stats["department_names"].get(c.department_id, UNROUTED), c.business_name,
            c.business_address, c.wish or "", float(c.amount) if c.amount is not None else None, person, phone,
            f"{to_china(c.received_at):%Y-%m-%d %H:%M}",
            f"{to_china(c.closed_at):%Y-%m-%d %H:%M}" if c.closed_at else "", c.outcome or c.reject_reason or "",
            "是" if c.late else "否", SATISFACTION.get(score, "") if score else "", c.number_12315 or ""]
