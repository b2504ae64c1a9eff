"""Statutory clocks: Chinese working days with 调休 (2026 as chinese-calendar 1.11 has it), a year the library does
not know, pauses for testing, admin edits, and a told date that a later calendar change does not move."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from extensions import db
from models import CalendarOverride
from services import Invalid, case_actions, deadlines
from tests.support.complaints import china, file_case, make_office


def test_acceptance_deadline_across_national_day_counts_the_make_up_saturday(app):
    """Filed Mon 2026-09-28: 9-29, 9-30, (10-01..07 off), 10-08, 10-09, Sat 10-10 (调休 working), 10-12, 10-13."""
    with app.app_context():
        case = file_case(now=china(2026, 9, 28, 10, 0))
        assert case.due_on == date(2026, 10, 13)
        assert not case.due_estimated
        assert deadlines.is_working_day(date(2026, 10, 10))       # the make-up Saturday
        assert not deadlines.is_working_day(date(2026, 10, 7))


def test_report_deadline_is_fifteen_working_days(app):
    """A 举报 filed the same day gets its 15-working-day verification date, holidays skipped."""
    from models.complaint import Kind

    with app.app_context():
        case = file_case(now=china(2026, 9, 28, 10, 0), kind=Kind.REPORT)
        assert case.number.startswith("JB20260928-")
        assert case.due_on == date(2026, 10, 23)


def test_unknown_year_falls_back_to_weekdays_with_a_warning(app):
    """In 2031 (not in chinese-calendar 1.11) the date counts Monday–Friday and is marked estimated with a warning."""
    with app.app_context():
        assert not deadlines.calendar_known(date(2031, 3, 3))
        case = file_case(now=china(2031, 3, 3, 9, 0))               # a Monday
        assert case.due_on == date(2031, 3, 12)
        assert case.due_estimated
        deadline = deadlines.due(deadlines.clock("complaint_acceptance"), date(2031, 3, 3))
        assert deadline.estimated and "2031年" in deadline.warning


def test_told_deadline_is_not_moved_by_a_later_calendar_change(app):
    """A date already told to the consumer stays on the case when staff later mark a day as a holiday."""
    with app.app_context():
        case = file_case(now=china(2026, 9, 28, 10, 0))
        db.session.add(CalendarOverride(day=date(2026, 10, 9), working=False, note="test"))
        db.session.commit()
        assert deadlines.add_working_days(date(2026, 9, 28), 7) == date(2026, 10, 14)
        db.session.refresh(case)
        assert case.due_on == date(2026, 10, 13)


def test_mediation_clock_is_sixty_days_and_excludes_testing_time(app, sim):
    """Accepted 2026-08-01: 60 days is Wed 09-30; a 5-day pause for testing moves it to 10-05, inside 国庆, so the
    period ends on the next working day, 10-08 (民法典第203条)."""
    with app.app_context():
        office = make_office(china(2026, 7, 30, 9, 0))
        sender = app.extensions["outbound"].sender
        case = file_case(now=china(2026, 7, 31, 9, 0))
        case_actions.accept_and_notify(case_id=case.id, by=office.chengguan, now=china(2026, 8, 1, 9, 0), sender=sender)
        assert case.due_on == date(2026, 9, 30)
        case_actions.pause_and_notify(case_id=case.id, reason="送检", by=office.chengguan, now=china(2026, 8, 10, 9, 0),
                                      sender=sender)
        case_actions.resume_and_notify(case_id=case.id, by=office.chengguan, now=china(2026, 8, 15, 9, 0), sender=sender)
        assert case.paused_days == 5
        assert case.due_on == date(2026, 10, 8) and not case.due_estimated


def test_calendar_period_into_an_unknown_year_is_estimated(app):
    """A 60-day period ending in 2027 (unknown to the library) ends on a weekday and is marked estimated."""
    with app.app_context():
        rule = deadlines.clock("complaint_mediation")
        deadline = deadlines.due(rule, date(2026, 11, 3))      # 2027-01-02 is a Saturday
        assert deadline.due_on == date(2027, 1, 4) and deadline.estimated
        assert deadlines.unknown_years(date(2026, 11, 28)) == [2027]


def test_admin_edits_a_clock_for_new_cases_only(app):
    """An edited clock applies to cases filed afterwards; a bad edit is refused with the field named."""
    with app.app_context():
        first = file_case(now=china(2026, 11, 2, 9, 0))
        deadlines.update_clock(name="complaint_acceptance", days=5, unit="working", basis="测试依据",
                               now=china(2026, 11, 2, 10, 0))
        db.session.commit()
        second = file_case(now=china(2026, 11, 2, 11, 0))
        assert first.due_on == date(2026, 11, 11) and second.due_on == date(2026, 11, 9)
        assert deadlines.clock("complaint_acceptance").basis == "测试依据"
        with pytest.raises(Invalid) as bad:
            deadlines.update_clock(name="complaint_acceptance", days=0, unit="working", basis="x",
                                   now=china(2026, 11, 2, 10, 0))
        assert bad.value.field == "days"


def test_defaults_cite_the_stable_laws(app):
    """The default clocks are 7 working days, 60 days, 15 working days and the sampling ones, each with its basis."""
    with app.app_context():
        rules = {r.name: r for r in deadlines.clocks()}
        assert (rules["complaint_acceptance"].days, rules["complaint_acceptance"].unit) == (7, "working")
        assert (rules["complaint_mediation"].days, rules["complaint_mediation"].unit) == (60, "calendar")
        assert (rules["report_verification"].days, rules["report_verification"].unit) == (15, "working")
        assert "第46条" in rules["complaint_acceptance"].basis and "第18条" in rules["report_verification"].basis
        assert (rules["sampling_recheck"].days, rules["sampling_recheck"].unit) == (7, "working")
        assert "第八十八条" in rules["sampling_recheck"].basis and rules["sampling_recheck"].verified
        assert not rules["sampling_disposal"].verified          # not checked against the text (issue 17)
        assert deadlines.seed_clocks() == 5 and deadlines.seed_clocks() == 0
        assert date(2026, 10, 13) - date(2026, 9, 28) == timedelta(days=15)
