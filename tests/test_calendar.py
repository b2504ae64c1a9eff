"""The working-day calendar staff own: 2027 deadlines across 春节 by the statutory rule and from an imported
schedule, the import recomputing 估算 cases and telling consumers, refused files, the page and the warning."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEvent, CalendarOverride, CalendarYear
from models.complaint import Case
from services import Invalid, deadlines, holidays, work_calendar
from services.calendar_files import parse
from tests.support.complaints import china, file_case

SCHEDULE = Path(__file__).parent / "data" / "calendar_2027.yaml"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_rule_knows_the_statutory_holidays_of_the_2024_revision():
    """By rule 2027 has 除夕 to 初三 off (2-05..2-08) plus two make-up days for the weekend ones, and 5-01/5-02."""
    off = holidays.by_rule(2027)
    assert [d for d, name in off.items() if name.startswith("春节")] == [
        date(2027, 2, d) for d in (5, 6, 7, 8, 9, 10)]
    assert off[date(2027, 5, 2)] == "劳动节" and off[date(2027, 4, 5)] == "清明节"
    assert off[date(2027, 6, 9)] == "端午节" and off[date(2027, 9, 15)] == "中秋节"
    for year in (2025, 2026):                     # years the library knows: every rule day is a day off there too
        assert not any(chinese_calendar.is_workday(day) for day in holidays.by_rule(year))


def test_fallback_deadline_across_spring_festival_skips_the_statutory_days(app):
    """Filed Mon 2027-02-01 with no 2027 schedule: 2-02..2-04 count, 2-05..2-10 are off by rule, so day 7 is
    Tue 2-16 (weekdays-only would say 2-10), marked 估算 with the warning."""
    with app.app_context():
        case = file_case(now=china(2027, 2, 1, 9, 0))
        assert case.due_on == date(2027, 2, 16)
        assert case.due_estimated
        deadline = deadlines.due(deadlines.clock("complaint_acceptance"), date(2027, 2, 1))
        assert "2027年" in deadline.warning and "导入" in deadline.warning


def test_imported_schedule_sets_the_2027_deadline_across_spring_festival(app, runner):
    """After importing 2027 (春节 2-05..2-12 off, Sun 2-14 a make-up working day) day 7 is Wed 2-17, not 估算."""
    result = runner.invoke(args=["calendar", "import", str(SCHEDULE)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        case = file_case(now=china(2027, 2, 1, 9, 0))
        assert case.due_on == date(2027, 2, 17)
        assert not case.due_estimated
        assert deadlines.is_working_day(date(2027, 2, 14))          # the make-up Sunday
        assert not deadlines.is_working_day(date(2027, 2, 11))
        assert deadlines.unknown_years(date(2027, 1, 5)) == [2028]


def test_import_recomputes_estimated_cases_and_tells_the_consumer_whose_date_moves(app, runner, wechat, sim):
    """Importing 2027 moves the 春节 case from 2-16 to 2-17 and tells its consumer; a March case keeps its date,
    loses the 估算 mark and is not messaged."""
    wechat.say("你好")                                              # opens the 48-hour window
    with app.app_context():
        moved = file_case(now=china(2027, 2, 1, 9, 0))
        kept = file_case(now=china(2027, 3, 1, 9, 0), openid="o_consumer_2")
        assert moved.due_estimated and kept.due_estimated
        assert kept.due_on == date(2027, 3, 10)
        moved_id, kept_id, number = moved.id, kept.id, moved.number
    result = runner.invoke(args=["calendar", "import", str(SCHEDULE)])
    assert result.exit_code == 0, result.output
    assert "2 estimated cases recomputed, 1 moved" in result.output
    with app.app_context():
        moved, kept = db.session.get(Case, moved_id), db.session.get(Case, kept_id)
        assert (moved.due_on, moved.due_estimated) == (date(2027, 2, 17), False)
        assert (kept.due_on, kept.due_estimated) == (date(2027, 3, 10), False)
    texts = [m["body"].get("content", "") for m in sim.inbox("o_consumer_1") if m["kind"] == "custom:text"]
    assert any(number in t and "2027年2月16日" in t and "2027年2月17日" in t for t in texts)
    assert sim.inbox("o_consumer_2") == []


@pytest.mark.parametrize("text, reason", [
    ("year: 2027\nholidays:\n  - {name: 元旦, date: 2027-01-01}\n", "缺少法定节日 春节"),
    ("year: 2027\nholidays: [2027-13-01]\n", "格式不对"),
    ("date,type,name\n2027-01-01,休,元旦\n2027-01-04,班,元旦\n", "调休上班日应为周六或周日"),
    ("date,type,name\n2027-01-01,放,元旦\n", "类型「放」不对"),
    ("year: 2027\nholidays: [\n", "YAML 格式错误"),
])
def test_bad_import_file_is_one_line_non_zero_and_writes_nothing(app, runner, tmp_path, text, reason):
    """A bad schedule file exits non-zero with one line naming the problem, and changes nothing."""
    with app.app_context():
        case = file_case(now=china(2027, 2, 1, 9, 0))
        case_id = case.id
    path = tmp_path / ("bad.csv" if text.startswith("date") else "bad.yaml")
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["calendar", "import", str(path)])
    assert result.exit_code != 0
    assert reason in result.output and len(result.output.strip().splitlines()) == 1
    with app.app_context():
        assert _count(CalendarYear) == 0 and _count(CalendarOverride) == 0 and _count(AuditEvent) == 0
        assert db.session.get(Case, case_id).due_estimated


def test_csv_gives_the_same_schedule_as_yaml():
    """The CSV form (date,type,name with 休/班) reads into the same schedule as the YAML form."""
    schedule = parse(SCHEDULE.read_text(encoding="utf-8"), filename="2027.yaml")
    rows = ["date,type,name"] + [f"{d},休,{n}" for d, n in schedule.off.items()] + \
        [f"{d},班,{n}" for d, n in schedule.working.items()]
    again = parse("\n".join(rows), filename="2027.csv", source=schedule.source)
    assert (again.year, again.off, again.working) == (2027, schedule.off, schedule.working)
    with pytest.raises(Invalid, match="同时被列为放假和上班"):
        parse("date,type,name\n2027-02-06,休,春节\n2027-02-06,班,春节\n")


def test_show_prints_the_year_and_where_it_comes_from(app, runner):
    """`calendar show 2027` says the year is estimated by rule before the import, and lists imported days after."""
    before = runner.invoke(args=["calendar", "show", "2027"])
    assert before.exit_code == 0 and "2027: rule - estimated" in before.output
    assert "2027-02-09\t休\t春节（补假）\trule" in before.output
    runner.invoke(args=["calendar", "import", str(SCHEDULE), "--source", "国办发明电〔2026〕X号"])
    after = runner.invoke(args=["calendar", "show", "2027"])
    assert "2027: import (国办发明电〔2026〕X号" in after.output
    assert "2027-02-14\t班\t春节\timport" in after.output


def test_admin_imports_on_the_page_with_history_and_others_cannot(app, staff_factory, logged_in):
    """An admin uploads the file on 工作日日历 (audited, shown in the history); a staff member gets 403."""
    admin = logged_in(app.test_client(), staff_factory(role="admin", username="cal_admin"))
    page = admin.client.get("/console/calendar/?year=2027").get_data(as_text=True)
    assert "按法定节日规则估算" in page
    with SCHEDULE.open("rb") as handle:
        res = admin.post("/console/calendar/import", data={"file": (handle, "2027.yaml")},
                         content_type="multipart/form-data")
    assert res.status_code == 302
    page = admin.client.get("/console/calendar/?year=2027").get_data(as_text=True)
    assert "已导入官方放假安排" in page and "导入放假安排" in page and "2027-02-14" in page
    bad = admin.post("/console/calendar/import", data={"text": "year: 2027\nholidays: [2027-01-01]\n"})
    assert bad.status_code == 422 and "缺少法定节日" in bad.get_data(as_text=True)
    staff = logged_in(app.test_client(), staff_factory(role="staff", username="cal_staff"))
    assert staff.post("/console/calendar/import", data={"text": "x: 1"}).status_code == 403
    with app.app_context():
        assert _count(CalendarYear) == 1
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "calendar.import")) == 1


def test_warning_from_october_until_next_year_is_entered(app):
    """From 1 October the next year is due for entry; importing it ends the warning."""
    with app.app_context():
        assert work_calendar.years_to_enter(date(2026, 9, 30)) == []
        assert work_calendar.years_to_enter(date(2026, 10, 1)) == [2027]
        work_calendar.import_schedule(parse(SCHEDULE.read_text(encoding="utf-8")), actor="test",
                                      now=china(2026, 10, 2, 9, 0))
        db.session.commit()
        assert work_calendar.years_to_enter(date(2026, 10, 3)) == []
        assert work_calendar.years_to_enter(date(2027, 10, 1)) == [2028]
