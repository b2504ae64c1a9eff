"""转为投诉: staff turn a conversation into a complaint, and nothing is filed until the consumer agrees.

Staff fill the complaint from the conversation (`propose`); the follower receives the prefilled summary with the
personal-information notice; they reply 同意 (consent), then 确认; only then is the case filed through the complaint
service's public entry (`services.complaints.file`, idempotent on the draft's intake token, so a re-sent 确认 files
once). The case's history names the thread it came from, and the thread records the case number.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from extensions import db
from models import Staff
from models.case_event import CaseEvent, EventKind
from models.complaint import Case, Kind, Wish
from models.inbox import MessageKind, Thread
from services import Conflict, Invalid, audit, complaints, inbox, notify
from services.inbox_staff import claim_version, require_writer
from services.sender import Sender

NOTICE = ("【转为投诉 · 请您确认】工作人员根据与您的沟通整理了投诉内容：\n{summary}\n\n"
          "为依法处理您的投诉，我们将使用您的姓名、电话、被投诉商家信息和事情经过，仅用于本次投诉的受理、调解和统计；"
          "调解需要时会把必要信息告知被投诉商家。\n同意请回复“同意”；不需要转为投诉可直接告诉工作人员。")
ASK_CONFIRM = "内容如下，确认无误请回复“确认”提交；需要修改请直接告诉工作人员。\n{summary}"
NEED_CONSENT = "请先阅读上面的个人信息告知，同意请回复“同意”，再回复“确认”提交。"
FILED = "已提交投诉，编号 {number}。我们会在法定期限内决定是否受理并告诉您；发“查询”可随时查看进度。"
NO_WISH = "请选择消费者的诉求"
SUMMARY = "商家：{business_name}\n地址：{business_address}\n经过：{story}\n诉求：{wish}\n金额：{amount}\n" \
          "投诉人：{name}（{phone}）"


def summary(draft: dict) -> str:
    return SUMMARY.format(**{**draft, "amount": draft.get("amount") or "未填"})


def propose(*, thread_id: int, version: int, by: Staff, now: datetime, sender: Sender, business_name: str,
            business_address: str, story: str, wish: str, name: str, phone: str, amount: str = "") -> Thread:
    """Keep the staff's prefilled complaint on the thread and send the follower its summary and the notice."""
    require_writer(by)
    if wish not in {w.value for w in Wish}:
        raise Invalid(NO_WISH, field="wish")
    draft = {"business_name": complaints.clean_text(business_name, limit=100, field="business_name"),
             "business_address": complaints.clean_text(business_address, limit=200, field="business_address"),
             "story": complaints.clean_text(story, limit=2000, field="story"), "wish": wish,
             "amount": str(complaints.clean_amount(amount)) if amount.strip() else "",
             "name": complaints.clean_name(name), "phone": complaints.clean_phone(phone)}
    thread = claim_version(thread_id, version, now, draft=draft, draft_token=complaints.new_intake_token()[:32],
                    draft_consented=False)
    text = NOTICE.format(summary=summary(draft))
    channel = notify.reach(openid=thread.openid, text=text, source=f"inbox:{thread.id}:convert", now=now,
                           sender=sender)
    inbox.add_message(thread, MessageKind.STAFF, text, now, staff_id=by.id, channel=channel)
    audit.record(actor=by, action="inbox.convert_proposed", obj_type="thread", obj_id=thread.id, now=now,
                 after={"channel": channel})
    return thread


def consent(*, thread: Thread, now: datetime) -> str:
    """The follower said 同意 to a waiting draft: ask for 确认 with the summary."""
    thread.draft_consented = True
    inbox.add_message(thread, MessageKind.MESSAGE, "同意", now)
    return ASK_CONFIRM.format(summary=summary(thread.draft or {}))


def confirm(*, thread: Thread, now: datetime) -> Case:
    """The follower said 确认 after 同意: file the case and link both ways (the edge commits all of it
    before the reply that tells the number)."""
    if not thread.draft or not thread.draft_consented:
        raise Conflict(NEED_CONSENT)
    draft, token = dict(thread.draft), str(thread.draft_token)
    intake = complaints.Intake(kind=Kind.COMPLAINT, business_name=draft["business_name"],
                               business_address=draft["business_address"], story=draft["story"],
                               wish=Wish(draft["wish"]), name=draft["name"], phone=draft["phone"],
                               amount=complaints.clean_amount(draft["amount"]) if draft.get("amount") else None)
    case = complaints.file(openid=thread.openid, intake_token=token, intake=intake, now=now)
    db.session.execute(update(Thread).where(Thread.id == thread.id)
                       .values(draft=None, draft_token=None, draft_consented=False))
    db.session.refresh(thread)
    inbox.add_message(thread, MessageKind.SYSTEM, f"消费者确认，已转为投诉 {case.number}", now)
    db.session.add(CaseEvent(case_id=case.id, at=now, kind=EventKind.NOTE,
                             text=f"由人工值守对话 #{thread.id} 转为投诉，消费者已同意并确认"))
    return case
