"""QR scenes: what a parametric QR code means to a consumer who scans it (issue 14).

WeChat hands the webhook only the scene's key (`qrscene_<key>` on a follow, `<key>` on a scan by a follower). Staff
name each key in the console: the Chinese label the consumer sees (never the key) and what the scan starts — nothing
but a greeting, or a complaint / report form with the business already filled in (a market's own code), the poll or
the survey.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class SceneAction(StrEnum):
    """What a scan starts; the values other than GREET are the names of the conversation flows it enters."""

    GREET = "greet"
    COMPLAINT = "complaint"
    REPORT = "report"
    POLL = "poll"
    SURVEY = "survey"


ACTION_LABELS = {SceneAction.GREET: "只显示欢迎语", SceneAction.COMPLAINT: "开始投诉登记",
                 SceneAction.REPORT: "开始举报登记", SceneAction.POLL: "开始“你点我检”投票",
                 SceneAction.SURVEY: "开始消费调查"}


class QrScene(db.Model):
    __tablename__ = "qr_scenes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)          # WeChat's scene_str / scene_id
    label: Mapped[str] = mapped_column(String(40))                     # what the consumer reads
    action: Mapped[SceneAction] = mapped_column(String(16), default=SceneAction.GREET)
    business_name: Mapped[str | None] = mapped_column(String(100))    # prefilled in a complaint / report
    business_address: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    ticket: Mapped[str | None] = mapped_column(String(255))          # the permanent QR code made for it (qrcode doc)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64), default="")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(SceneAction(self.action), self.action)

    def __repr__(self) -> str:
        return f"<QrScene {self.id} {self.action}>"
