"""What staff read about a poll besides its tallies: the Excel/CSV export and the anomaly view.

The anomaly view shows ballots per minute (China time) and how many came from followers who had followed the
account only minutes before voting — the usual signs of a stuffed poll (bought followers, one group voting in a
burst). It flags, it does not judge: every ballot still counts; staff decide.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select

from extensions import db
from models.poll import Ballot
from services import polls, privacy, sheets
from services.clock import to_china

FRESH_FOLLOWER = timedelta(minutes=10)   # followed this soon before voting: counted as "fresh"
BURST_FACTOR = 5                         # a minute with five times the median ballots (and at least 10) is a burst
BURST_MIN = 10
HEADER = ["题目", "排名", "选项", "票数", "占投票人数", "入选抽检"]
SUGGESTION_HEADER = ["提交时间（北京时间）", "其他建议"]


@dataclass(frozen=True)
class Suggestion:
    cast_at: datetime
    text: str                 # phone numbers masked: a voter may type one, staff reading the list need not see it


def suggestions(*, poll_id: int, page: int = 1, per_page: int | None = None) -> tuple[list[Suggestion], int]:
    """Voters' 其他建议, newest first (one page, or all when per_page is None), and how many there are."""
    where = (Ballot.poll_id == poll_id, Ballot.suggestion.is_not(None), Ballot.suggestion != "")
    total = db.session.scalar(select(func.count()).select_from(Ballot).where(*where)) or 0
    query = select(Ballot.cast_at, Ballot.suggestion).where(*where).order_by(Ballot.cast_at.desc(), Ballot.id.desc())
    if per_page:
        query = query.limit(per_page).offset((max(page, 1) - 1) * per_page)
    rows = [Suggestion(cast_at=at, text=privacy.mask_phones_in(text)) for at, text in db.session.execute(query)]
    return rows, total


def _suggestion_rows(items: list[Suggestion]) -> list[list[object]]:
    return [[f"{to_china(s.cast_at):%Y-%m-%d %H:%M}", s.text] for s in items]


@dataclass(frozen=True)
class Minute:
    label: str              # "03-15 09:41" China time
    ballots: int
    fresh: int              # from followers who followed within FRESH_FOLLOWER before voting
    burst: bool


@dataclass(frozen=True)
class Anomalies:
    ballots: int
    fresh: int
    minutes: tuple[Minute, ...]
    fresh_minutes: int = int(FRESH_FOLLOWER.total_seconds() // 60)

    @property
    def bursts(self) -> int:
        return sum(1 for m in self.minutes if m.burst)


def anomalies(*, poll_id: int) -> Anomalies:
    """Ballots per minute and fresh-follower ballots for one poll."""
    polls.get(poll_id)
    rows = db.session.execute(select(Ballot.cast_at, Ballot.subscribed_at).where(Ballot.poll_id == poll_id)
                              .order_by(Ballot.cast_at)).all()
    per_minute: Counter[datetime] = Counter()
    fresh_per_minute: Counter[datetime] = Counter()
    for cast_at, subscribed_at in rows:
        minute = cast_at.replace(second=0, microsecond=0)
        per_minute[minute] += 1
        if subscribed_at is not None and timedelta(0) <= cast_at - subscribed_at <= FRESH_FOLLOWER:
            fresh_per_minute[minute] += 1
    typical = median(per_minute.values()) if per_minute else 0
    minutes = tuple(Minute(label=f"{to_china(m):%m-%d %H:%M}", ballots=n, fresh=fresh_per_minute[m],
                           burst=n >= BURST_MIN and n >= BURST_FACTOR * typical)
                    for m, n in sorted(per_minute.items()))
    return Anomalies(ballots=len(rows), fresh=sum(fresh_per_minute.values()), minutes=minutes)


def _rows(tally: polls.Tally) -> list[list[object]]:
    return [[q.text, o.rank, o.label, o.count, f"{o.share:.1%}", "是" if o.top else ""]
            for q in tally.questions for o in q.options]


def export_csv(tally: polls.Tally, ideas: list[Suggestion] = ()) -> bytes:
    """The ranked tallies, then the voters' 其他建议, as CSV (UTF-8 with BOM so Excel opens the Chinese correctly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(sheets.csv_rows(_rows(tally)))
    writer.writerow([])
    writer.writerow(["投票人数", tally.ballots])
    if ideas:
        writer.writerow([])
        writer.writerow(SUGGESTION_HEADER)
        writer.writerows(sheets.csv_rows(_suggestion_rows(list(ideas))))
    return ("\ufeff" + out.getvalue()).encode()


def export_xlsx(tally: polls.Tally, *, title: str, now: datetime, ideas: list[Suggestion] = ()) -> bytes:
    """The ranked tallies as an Excel workbook with a heading (the poll, the export time); the voters' 其他建议 on
    a second sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "投票结果"
    sheets.append(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheets.append(sheet, [f"投票人数：{tally.ballots}", f"导出时间：{to_china(now):%Y-%m-%d %H:%M}"])
    sheets.append(sheet, [])
    sheets.append(sheet, HEADER)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in _rows(tally):
        sheets.append(sheet, row)
    for column, width in zip("ABCDEF", (30, 6, 20, 8, 12, 10)):
        sheet.column_dimensions[column].width = width
    extra = book.create_sheet("其他建议")
    sheets.append(extra, SUGGESTION_HEADER)
    for row in _suggestion_rows(list(ideas)):
        sheets.append(extra, row)
    extra.column_dimensions["A"].width, extra.column_dimensions["B"].width = 20, 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
