"""One action table for a case, called by both the console page and /api (STYLE 18): an action's name and the
posted fields in, one `services.case_actions` call out. Who may act, what is audited and who is told stay in
case_actions; this module only maps names to calls, so the page and the API can never drift apart.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services import NotFound, case_actions
from services.sender import Sender

UNKNOWN_ACTION = "未知的操作"
YES = {True, "1", "on", "true", "True"}


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _table(case_id: int, by: Any, now: datetime, sender: Sender, fields: Mapping[str, Any]
           ) -> dict[str, Callable[[], Any]]:
    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value)

    act = case_actions
    return {
        "accept": lambda: act.accept_and_notify(case_id=case_id, by=by, now=now, sender=sender),
        "reject": lambda: act.reject_and_notify(case_id=case_id, reason=text("reason"), by=by, now=now, sender=sender,
                                                detail=text("detail")),
        "file": lambda: act.decide_report_and_notify(case_id=case_id, open_case=True, reason="", by=by, now=now,
                                                     sender=sender),
        "not_file": lambda: act.decide_report_and_notify(case_id=case_id, open_case=False, reason=text("reason"),
                                                         by=by, now=now, sender=sender),
        "pause": lambda: act.pause_and_notify(case_id=case_id, reason=text("reason"), by=by, now=now, sender=sender),
        "resume": lambda: act.resume_and_notify(case_id=case_id, by=by, now=now, sender=sender),
        "close": lambda: act.close_and_notify(case_id=case_id, outcome=text("outcome"), recovered=text("recovered"),
                                              reason=text("reason"), by=by, now=now, sender=sender),
        "assign": lambda: act.assign(case_id=case_id, department_id=_int(fields.get("department_id")) or 0,
                                     assignee_id=_int(fields.get("assignee_id")), by=by, now=now),
        "mediate": lambda: act.mediate(case_id=case_id, text=text("text"), by=by, now=now),
        "note": lambda: act.note(case_id=case_id, text=text("text"), by=by, now=now),
        "reply": lambda: act.reply_and_notify(case_id=case_id, text=text("text"), by=by, now=now, sender=sender),
        "12315": lambda: act.set_12315(case_id=case_id, number=text("number_12315"), by=by, now=now),
        "sector": lambda: act.set_sector(case_id=case_id, sector=text("sector"), by=by, now=now),
        "review": lambda: act.finish_review_and_notify(case_id=case_id, text=text("text"), by=by, now=now,
                                                       sender=sender, reopen=fields.get("reopen") in YES),
    }


def perform(name: str, *, case_id: int, by: Any, now: datetime, sender: Sender, fields: Mapping[str, Any]) -> None:
    """Run one action by name with the posted fields; raises DomainError (NotFound for an unknown action)."""
    table = _table(case_id, by, now, sender, fields)
    if name not in table:
        raise NotFound(UNKNOWN_ACTION, field="action")
    table[name]()
