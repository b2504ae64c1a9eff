"""Statutory time limits as data: each with its length, unit and legal basis, editable by an admin (DESIGN §4)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class ClockName(StrEnum):
    """The statutory clocks the code runs; each is a row of `statutory_clocks` (its days editable, its name not)."""
    COMPLAINT_ACCEPTANCE = "complaint_acceptance"     # 投诉受理决定
    COMPLAINT_MEDIATION = "complaint_mediation"       # 投诉调解
    REPORT_VERIFICATION = "report_verification"       # 举报核查与立案决定
    SAMPLING_RECHECK = "sampling_recheck"             # 复检申请期限
    SAMPLING_DISPOSAL = "sampling_disposal"           # 不合格食品核查处置


class StatutoryClock(db.Model):
    __tablename__ = "statutory_clocks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)   # a ClockName
    title: Mapped[str] = mapped_column(String(50))
    days: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))                     # working | calendar
    basis: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None]
