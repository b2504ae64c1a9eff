"""Deadline reminders to the assignee (else the department head, else the admins) at 50 %, 75 %, on the due day and when overdue:
each threshold once per case and clock, however often the scheduler job runs."""
from __future__ import annotations

from datetime import timedelta

from extensions import db
from models import CaseReminder
from models.case_event import CaseEvent, EventKind
from scheduler.jobs import JOBS
from services import case_actions, case_reminders, complaints
from services.clock import utcnow
from tests.support.complaints import china, file_case, make_office


def test_reminders_fire_once_per_threshold(app):
    """Filed Mon 11-02 (due Wed 11-11): 50 % then 75 %, due, overdue; a second run at the same time sends nothing."""
    sender = app.extensions["outbound"].sender
    with app.app_context():
        office = make_office(china(2026, 11, 1, 9, 0))
        case = file_case(now=china(2026, 11, 2, 9, 0))
        case_actions.assign(case_id=case.id, department_id=office.chengguan.department_id,
                            assignee_id=office.chengguan.id, by=office.admin, now=china(2026, 11, 2, 9, 30))
        assert complaints.send_reminders(now=china(2026, 11, 3, 9, 0), sender=sender) == 0
        assert complaints.send_reminders(now=china(2026, 11, 7, 9, 0), sender=sender) == 1      # past 50 %
        assert complaints.send_reminders(now=china(2026, 11, 7, 9, 5), sender=sender) == 0
        assert complaints.send_reminders(now=china(2026, 11, 11, 8, 0), sender=sender) == 1     # due day (75 % passed)
        assert complaints.send_reminders(now=china(2026, 11, 12, 8, 0), sender=sender) == 1     # overdue
        assert complaints.send_reminders(now=china(2026, 11, 13, 8, 0), sender=sender) == 0
        rows = db.session.query(CaseReminder).filter_by(case_id=case.id).all()
        assert sorted(r.threshold for r in rows) == ["50", "75", "due", "overdue"]
        assert {r.recipients for r in rows if r.threshold == "50"} == {1}                       # the assignee
        assert [p.id for p in case_reminders.recipients(case)] == [office.chengguan.id]
        events = db.session.query(CaseEvent).filter_by(case_id=case.id, kind=EventKind.REMINDER).all()
        assert len(events) == 3 and all(not e.visible for e in events)


def test_reminder_job_reminds_an_overdue_case(app):
    """Run as the scheduler runs it, complaints.remind records a committed reminder for an overdue assigned case."""
    with app.app_context():
        filed = utcnow() - timedelta(days=40)
        office = make_office(filed)
        case = file_case(now=filed)
        case_actions.assign(case_id=case.id, department_id=office.chengguan.department_id,
                            assignee_id=office.chengguan.id, by=office.admin, now=filed)
        db.session.commit()
        case_id = case.id
    next(job for job in JOBS if job.id == "complaints.remind").run(app)
    with app.app_context():          # a fresh session: only committed work is visible
        thresholds = {r.threshold for r in db.session.query(CaseReminder).filter_by(case_id=case_id)}
    assert "overdue" in thresholds
