"""Shared setup for the 人工值守 tests: duty on or off now, a thread's rows, a staff reply over the console."""
from __future__ import annotations

import re
from datetime import time, timedelta

from extensions import db
from models.inbox import Thread, ThreadMessage
from services import duty
from services.clock import china_today, utcnow


def on_duty_now(app, staff_id: int) -> None:
    """A campaign around today: 24-hour duty, with `staff_id` rostered yesterday, today and tomorrow (China dates), so
    a test that looks minutes ahead still finds them on duty when it runs just before China's midnight."""
    with app.app_context():
        today = china_today(utcnow())
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            duty.add_override(day=day, staff_id=staff_id, start=time(0, 0), end=time(23, 59), by="test",
                              now=utcnow())
        duty.set_campaign(start=today - timedelta(days=1), end=today + timedelta(days=1), by="test", now=utcnow())
        db.session.commit()


def off_duty_now(app, staff_id: int) -> None:
    """Only a slot three days ahead (08:30-17:30 China time): nobody on duty now, a known next start."""
    with app.app_context():
        day = china_today(utcnow()) + timedelta(days=3)
        duty.add_slot(weekday=day.weekday(), start=time(8, 30), end=time(17, 30), staff_id=staff_id,
                      by="test", now=utcnow())
        db.session.commit()


def thread_rows(app, openid: str = "o_consumer_1") -> tuple[dict, list[tuple[str, str, str | None]]]:
    """(thread fields, [(kind, text, channel)]) as plain values."""
    with app.app_context():
        thread = db.session.query(Thread).filter_by(openid=openid).one()
        rows = db.session.query(ThreadMessage).filter_by(thread_id=thread.id).order_by(ThreadMessage.id).all()
        fields = {"id": thread.id, "status": thread.status, "handover": thread.handover, "version": thread.version,
                  "assignee_id": thread.assignee_id, "waiting_since": thread.waiting_since}
        return fields, [(r.kind, r.text, r.channel) for r in rows]


def version_on(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version on the thread page"
    return match.group(1)


def staff_texts(sim, openid: str = "o_consumer_1") -> list[str]:
    """Customer-service texts the follower received that carry a staff reply."""
    return [m["body"]["content"] for m in sim.inbox(openid)
            if m["kind"] == "custom:text" and "【工作人员回复】" in m["body"].get("content", "")]
