"""The 活动情况 report of a campaign: its figures, computed for one reader from the same queries the console's lists
use (a figure and its list cannot disagree), and the .docx the bureau files (python-docx).

Sources, each the list a member of staff would open to check a figure:
- 投诉/举报: `case_queries.queue` with the period as 登记日期 (the 投诉举报 list filtered 从/到);
- 核查处置: `disposals.listing` with the period as opening time (the 核查处置 list);
- 维权问答 questions by topic and outcome: the per-day tallies `faq.ask` keeps (services/qa_tally.py);
- new followers, ballots, sampling batches, surveys (open during the period; answers filed in it) and publications:
  counted directly from their tables for the period (the console has no dated list of these to match).
The docx holds each chart as a PNG drawn by matplotlib (services/report_charts.py) above the table it draws.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

from docx import Document
from docx.shared import Cm
from sqlalchemy import func, select

from extensions import db
from models import Ballot, BallotChoice, Delivery, Department, Follower, Option, Publication, SamplingBatch
from models.campaign import Campaign
from models.complaint import Case, Kind, Outcome, Status
from models.poll import SamplingResult, Verdict
from models.publication import DeliveryStatus, kind_label
from models.survey import Survey, SurveyResponse, SurveyStatus
from models.qa_tally import AskOutcome
from services import case_queries, complaint_export, disposals, qa_tally
from services.clock import from_china

OTHER_TOWN = "其他/未识别"
UNROUTED = "未分配"
TOPIC_HEADER = ("主题", "首次回复即解答", "给出选项", "转其他部门", "未能回答")


@dataclass(frozen=True)
class Period:
    """China days `start`..`end`, both inclusive (either may be open)."""
    start: date | None
    end: date | None

    @property
    def lo(self) -> datetime | None:
        return from_china(datetime.combine(self.start, time())) if self.start else None

    @property
    def hi(self) -> datetime | None:
        return from_china(datetime.combine(self.end + timedelta(days=1), time())) if self.end else None


@dataclass
class Figures:
    followers_new: int = 0
    questions: int = 0                # 维权问答 questions (small talk and a number picked from a menu not counted)
    first_reply: int = 0              # answered outright on the first reply
    first_reply_rate: float | None = None
    by_topic: list[tuple[str, int, int, int, int]] = field(default_factory=list)  # topic, 即答, 选项, 转办, 未答
    complaints: int = 0
    reports: int = 0
    accepted: int = 0
    closed: int = 0
    decided: int = 0
    on_time: int = 0
    on_time_rate: float | None = None
    mediated: int = 0                 # complaints closed with a mediation outcome (成功 or 不成)
    mediation_success: int = 0
    mediation_rate: float | None = None
    recovered: Decimal = Decimal("0.00")   # 挽回经济损失 (元) recorded when closing the period's complaints
    by_department: list[tuple[str, int, int, int]] = field(default_factory=list)   # name, 投诉, 举报, 办结
    by_town: list[tuple[str, int]] = field(default_factory=list)
    ballots: int = 0
    top_items: list[tuple[str, int]] = field(default_factory=list)
    batches: int = 0
    samples: int = 0
    failed: int = 0
    fail_rate: float | None = None
    disposals: int = 0
    disposals_by_status: list[tuple[str, int]] = field(default_factory=list)
    surveys: int = 0                  # surveys open at some time in the period
    survey_responses: int = 0         # responses submitted in the period
    publications: int = 0
    publications_by_kind: list[tuple[str, int]] = field(default_factory=list)
    reached: int = 0


def period_of(campaign: Campaign) -> Period:
    return Period(campaign.starts_on, campaign.ends_on)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def _between(column, period: Period):
    clauses = []
    if period.lo is not None:
        clauses.append(column >= period.lo)
    if period.hi is not None:
        clauses.append(column < period.hi)
    return clauses


def cases(*, viewer: Any, period: Period, now: datetime, **filters) -> list[Case]:
    """The 投诉举报 list for the period, as the console shows it to `viewer` (same query, same filters)."""
    return list(db.session.scalars(case_queries.queue(viewer=viewer, now=now, received_from=period.lo,
                                                      received_to=period.hi, **filters)))


def figures(*, viewer: Any, period: Period, now: datetime) -> Figures:
    """Every figure of the report for what `viewer` may see."""
    out = Figures()
    _case_figures(out, cases(viewer=viewer, period=period, now=now))
    out.followers_new = db.session.scalar(select(func.count()).select_from(Follower).where(
        *_between(Follower.subscribed_at, period))) or 0
    _question_figures(out, period)
    _poll_figures(out, period)
    _sampling_figures(out, viewer, period, now)
    _publication_figures(out, period)
    _survey_figures(out, period)
    return out


def _case_figures(out: Figures, found: list[Case]) -> None:
    stats = complaint_export.statistics(found)
    out.complaints = sum(1 for c in found if c.kind == Kind.COMPLAINT)
    out.reports = sum(1 for c in found if c.kind == Kind.REPORT)
    out.accepted = sum(1 for c in found if c.accepted_at is not None)
    out.closed = sum(1 for c in found if c.status == Status.CLOSED)
    out.decided, out.on_time, out.on_time_rate = stats["decided"], stats["on_time"], stats["on_time_rate"]
    mediated = [c for c in found if c.kind == Kind.COMPLAINT and c.outcome in {Outcome.SETTLED, Outcome.FAILED}]
    out.mediated = len(mediated)
    out.mediation_success = sum(1 for c in mediated if c.outcome == Outcome.SETTLED)
    out.mediation_rate = _rate(out.mediation_success, out.mediated)
    out.recovered = sum((c.recovered for c in found if c.kind == Kind.COMPLAINT and c.recovered is not None),
                        Decimal("0.00"))
    names = stats["department_names"]
    rows: dict[str, list[int]] = {}
    for c in found:
        row = rows.setdefault(names.get(c.department_id, UNROUTED), [0, 0, 0])
        row[0 if c.kind == Kind.COMPLAINT else 1] += 1
        row[2] += c.status == Status.CLOSED
    out.by_department = sorted(((n, *r) for n, r in rows.items()), key=lambda r: (-(r[1] + r[2]), r[0]))
    towns = [t for d in db.session.scalars(select(Department)) for t in (d.towns or [])]
    by_town = Counter(next((t for t in towns if t and t in (c.business_address or "")), OTHER_TOWN) for c in found)
    out.by_town = by_town.most_common()


def _question_figures(out: Figures, period: Period) -> None:
    """维权问答 questions on the period's China days, from the per-day tallies (services/qa_tally.py)."""
    order = (AskOutcome.FIRST_REPLY, AskOutcome.MENU, AskOutcome.REFERRED, AskOutcome.UNANSWERED)
    out.by_topic = [(topic, *(counts.get(o.value, 0) for o in order))
                    for topic, counts in qa_tally.by_topic(start=period.start, end=period.end)]
    out.questions = sum(sum(row[1:]) for row in out.by_topic)
    out.first_reply = sum(row[1] for row in out.by_topic)
    out.first_reply_rate = _rate(out.first_reply, out.questions)


def _poll_figures(out: Figures, period: Period) -> None:
    out.ballots = db.session.scalar(select(func.count()).select_from(Ballot).where(
        *_between(Ballot.cast_at, period))) or 0
    rows = db.session.execute(
        select(Option.label, func.count()).select_from(BallotChoice)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id).join(Option, Option.id == BallotChoice.option_id)
        .where(*_between(Ballot.cast_at, period)).group_by(Option.label)
        .order_by(func.count().desc(), Option.label).limit(10)).all()
    out.top_items = [(label, n) for label, n in rows]


def _sampling_figures(out: Figures, viewer: Any, period: Period, now: datetime) -> None:
    published = select(SamplingBatch.id).where(SamplingBatch.published_at.is_not(None),
                                               *_between(SamplingBatch.published_at, period))
    out.batches = db.session.scalar(select(func.count()).select_from(published.subquery())) or 0
    verdicts = db.session.execute(select(SamplingResult.verdict, func.count())
                                  .where(SamplingResult.batch_id.in_(published))
                                  .group_by(SamplingResult.verdict)).all()
    counts = dict(verdicts)
    out.samples = sum(counts.values())
    out.failed = counts.get(Verdict.FAIL, 0)
    out.fail_rate = _rate(out.failed, out.samples)
    found = disposals.listing(staff=viewer, since=period.lo, until=period.hi)
    out.disposals = len(found)
    by_status = Counter(c.status for c in found)
    out.disposals_by_status = [(label, by_status.get(s, 0)) for s, label in disposals.STATUS_LABELS.items()]
    out.disposals_by_status.insert(1, ("其中超期", sum(1 for c in found if c.late or disposals.overdue(c, now))))


def _survey_figures(out: Figures, period: Period) -> None:
    """Surveys that were open for part of the period (never-opened drafts excluded) and the responses filed in it."""
    overlapping = [Survey.status != SurveyStatus.DRAFT]
    if period.hi is not None:
        overlapping.append(Survey.opens_at < period.hi)
    if period.lo is not None:
        overlapping.append(Survey.closes_at > period.lo)
    out.surveys = db.session.scalar(select(func.count()).select_from(Survey).where(*overlapping)) or 0
    out.survey_responses = db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
        *_between(SurveyResponse.submitted_at, period))) or 0


def _publication_figures(out: Figures, period: Period) -> None:
    sent = select(Publication.id).where(Publication.published_at.is_not(None),
                                        *_between(Publication.published_at, period))
    kinds = db.session.execute(select(Publication.kind, func.count()).where(Publication.id.in_(sent))
                               .group_by(Publication.kind).order_by(Publication.kind)).all()
    out.publications_by_kind = [(kind_label(kind), n) for kind, n in kinds]
    out.publications = sum(n for _, n in kinds)
    out.reached = db.session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.publication_id.in_(sent), Delivery.status == DeliveryStatus.SENT)) or 0


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def rows(f: Figures) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The report's figure tables as (heading, [(label, value)]): the page and the docx print the same rows."""
    return [
        ("关注与问答", [("新增关注", f.followers_new), ("维权问答提问", f.questions), ("首次回复即解答", f.first_reply),
                   ("首次回复解答率", _pct(f.first_reply_rate))]),
        ("投诉举报", [("登记投诉", f.complaints), ("登记举报", f.reports), ("已受理", f.accepted), ("已办结", f.closed),
                  ("按期处理率", _pct(f.on_time_rate)), ("调解成功", f.mediation_success),
                  ("调解成功率", _pct(f.mediation_rate)), ("挽回经济损失（元）", f"{f.recovered:.2f}")]),
        ("你点我检", [("投票人次", f.ballots)]),
        ("抽检与核查处置", [("公布抽检批次", f.batches), ("抽检样品", f.samples), ("不合格", f.failed),
                     ("不合格率", _pct(f.fail_rate)), ("开启核查处置", f.disposals), *f.disposals_by_status]),
        ("消费调查", [("开展调查", f.surveys), ("收到答卷", f.survey_responses)]),
        ("消费警示与提示", [("发布", f.publications), *f.publications_by_kind, ("送达人次", f.reached)]),
    ]


def charts(f: Figures) -> dict[str, list[tuple[str, int]]]:
    """The report's bar charts by title: (label, value) rows; a chart with no rows is left out."""
    found = {
        "维权问答按主题": [(r[0], sum(r[1:])) for r in f.by_topic],
        "投诉举报按部门": [(r[0], r[1] + r[2]) for r in f.by_department],
        "投诉举报按乡镇": list(f.by_town),
        "你点我检 得票最多的项目": list(f.top_items),
    }
    return {title: series for title, series in found.items() if series}


def _chart(doc, drawn: dict[str, list[tuple[str, int]]], title: str, numbers: list[int]) -> None:
    if title in drawn:
        numbers.append(len(numbers) + 1)
        from services import report_charts   # matplotlib loads on the first docx, not in every worker at start
        doc.add_picture(BytesIO(report_charts.bar_png(drawn[title], title=title)), width=Cm(15))
        doc.add_paragraph(f"图表{numbers[-1]}　{title}")


def docx(*, campaign: Campaign, f: Figures, department_names: list[str]) -> bytes:
    """The 活动情况 report as a Word document: figures, per-department and per-town tables, the top items,
    the staff's 总结 and 动态信息, and every photo with its caption."""
    doc = Document()
    doc.add_heading(f"{campaign.name}活动情况", level=0)
    doc.add_paragraph(f"活动时间：{campaign.starts_on:%Y年%m月%d日} 至 {campaign.ends_on:%Y年%m月%d日}")
    doc.add_paragraph("参加部门：" + ("、".join(department_names) or "全局"))
    drawn, numbers = charts(f), []
    doc.add_heading("一、主要数据", level=1)
    for heading, items in rows(f):
        doc.add_heading(heading, level=2)
        _table(doc, ["项目", "数值"], [[label, value] for label, value in items])
    doc.add_heading("维权问答按主题", level=2)
    _chart(doc, drawn, "维权问答按主题", numbers)
    _table(doc, list(TOPIC_HEADER), [list(r) for r in f.by_topic])
    doc.add_heading("投诉举报按部门", level=2)
    _chart(doc, drawn, "投诉举报按部门", numbers)
    _table(doc, ["部门", "投诉", "举报", "办结"], [list(r) for r in f.by_department])
    doc.add_heading("投诉举报按乡镇", level=2)
    _chart(doc, drawn, "投诉举报按乡镇", numbers)
    _table(doc, ["乡镇", "件数"], [list(r) for r in f.by_town])
    doc.add_heading("你点我检 得票最多的项目", level=2)
    _chart(doc, drawn, "你点我检 得票最多的项目", numbers)
    _table(doc, ["项目", "票数"], [list(r) for r in f.top_items])
    doc.add_heading("二、活动总结", level=1)
    for line in (campaign.summary or "（未填写）").splitlines():
        doc.add_paragraph(line)
    doc.add_heading("三、动态信息", level=1)
    for line in (campaign.news or "（未填写）").splitlines():
        doc.add_paragraph(line)
    doc.add_heading("四、影像资料", level=1)
    if not campaign.photos:
        doc.add_paragraph("（未上传）")
    for number, photo in enumerate(campaign.photos, 1):
        doc.add_picture(BytesIO(photo.data), width=Cm(14))
        doc.add_paragraph(f"图{number}　{photo.caption}")
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _table(doc, header: list[str], body: list[list[Any]]) -> None:
    if not body:
        doc.add_paragraph("（无）")
        return
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    for row in body:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = str(value)
