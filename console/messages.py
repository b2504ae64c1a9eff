"""人工值守 in the console: the inbox (one thread per follower), one thread with its messages and the follower's
cases, staff actions (接手, 回复, 交给, 已解决), and the live poll. Duty roster and phone binding pages are in
`console.messages_duty`; the JSON API is `console.messages_api`.

Live updates: the pages poll `live.json` every few seconds with an ETag (304 when nothing changed) rather than
holding a server-sent-events stream: under gunicorn sync workers each open stream would hold a whole worker for as
long as a console tab is open, and five tabs would starve the webhook. A 304 poll costs one small query.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from console.api import paginate
from console.auth import current_staff, login_required, writer_required
from console.registry import Feature, NavItem, Widget, register_feature
from extensions import db
from models import Staff
from models.inbox import STATUS_LABELS, MessageKind
from models.staff import Role
from services import DomainError, NotFound, inbox, inbox_convert, inbox_queries, inbox_staff
from services.clock import utcnow

pages = Blueprint("messages", __name__)

DONE = {"take": "已接手，这个对话由您负责", "reply": "已回复（{channel}）", "resolve": "已标记为已解决",
        "assign": "已交办", "convert": "已把整理好的投诉内容发给消费者，等待其同意并确认（确认前不会登记）"}
CHANNELS = {"custom": "客服消息已送达", "template": "已发模板消息提醒，消费者发消息后可看到回复",
            "subscription": "已发订阅通知提醒，消费者发消息后可看到回复",
            "deferred": "消费者超过48小时未互动，回复将在其下次发消息时显示", "skipped": "消费者已取消关注，未能送达"}
KIND_LABELS = {MessageKind.REQUEST: "请求人工", MessageKind.MESSAGE: "消费者", MessageKind.OFFHOURS: "非值班留言",
               MessageKind.UNANSWERED: "未能解答的问题", MessageKind.BOT: "智能助手", MessageKind.STAFF: "工作人员",
               MessageKind.SYSTEM: "系统"}
UNKNOWN_ACTION = "未知的操作"
POLL_SECONDS = 5
CONVERT_FIELDS = ("business_name", "business_address", "story", "wish", "name", "phone", "amount")


def _sender():
    return current_app.extensions["outbound"].sender


def _int(name: str) -> int | None:
    value = request.values.get(name, "").strip()
    return int(value) if value.isdigit() else None


def act(name: str, thread_id: int, me: Staff, values) -> str:
    """Run one staff action by name (pages and API share it); returns the flash text. Raises DomainError."""
    now, version = utcnow(), int(values.get("version") or 0)
    cfg = current_app.config
    if name == "take":
        inbox_staff.take(thread_id=thread_id, version=version, by=me, now=now)
    elif name == "reply":
        message = inbox_staff.reply(thread_id=thread_id, version=version, text=values.get("text", ""), by=me,
                                    now=now, sender=_sender(), template_id=cfg.get("INBOX_REPLY_TEMPLATE_ID") or None,
                                    subscription_id=cfg.get("INBOX_REPLY_SUBSCRIPTION_ID") or None)
        return DONE["reply"].format(channel=CHANNELS.get(message.channel or "", message.channel))
    elif name == "resolve":
        inbox_staff.resolve(thread_id=thread_id, version=version, by=me, now=now, sender=_sender())
    elif name == "assign":
        assignee = values.get("assignee_id")
        inbox_staff.assign(thread_id=thread_id, version=version, by=me, now=now,
                           assignee_id=int(assignee) if str(assignee or "").isdigit() else None)
    elif name == "convert":
        inbox_convert.propose(thread_id=thread_id, version=version, by=me, now=now, sender=_sender(),
                              **{k: str(values.get(k) or "") for k in CONVERT_FIELDS})
    else:
        raise NotFound(UNKNOWN_ACTION, field="action")
    return DONE[name]


@pages.get("/")
@login_required
def index():
    me, now = current_staff(), utcnow()
    filters = {"view": request.args.get("view", ""), "status": request.args.get("status", ""),
               "q": request.args.get("q", "").strip()}
    page = paginate(inbox_queries.listing(viewer=me, now=now, **filters), {"page": _int("page") or 1,
                                                                            "per_page": 30})
    staff_names = {p.id: p.name for p in db.session.query(Staff).filter(Staff.active)}
    return render_template("messages/index.html", page=page, filters=filters, args={k: v for k, v in filters.items()
                                                                                      if v},
                           views=inbox_queries.FILTERS, statuses=inbox_queries.STATUSES, now=now,
                           sla=inbox.settings().sla_minutes, status_labels=STATUS_LABELS, staff_names=staff_names,
                           q=inbox_queries, poll=POLL_SECONDS)


def _thread_page(thread_id: int, *, error: str | None = None, status: int = 200, draft: str = ""):
    me, now = current_staff(), utcnow()
    found = inbox_queries.detail(thread_id)
    writers = [p for p in db.session.query(Staff).filter(Staff.active, Staff.role != Role.VIEWER)]
    return render_template("messages/thread.html", d=found, t=found.thread, me=me, error=error, draft=draft,
                           can_act=me.role != Role.VIEWER, kinds=KIND_LABELS, status_labels=STATUS_LABELS,
                           staff_names={p.id: p.name for p in writers}, writers=writers, q=inbox_queries, now=now,
                           sla=inbox.settings().sla_minutes, cases=[inbox_queries.case_view(me, c) for c in found.cases],
                           poll=POLL_SECONDS, wishes=[w.value for w in inbox_convert.Wish]), status


@pages.get("/<int:thread_id>")
@login_required
def thread(thread_id: int):
    return _thread_page(thread_id)


@pages.post("/<int:thread_id>/<action>")
@writer_required
def action(thread_id: int, action: str):
    try:
        done = act(action, thread_id, current_staff(), request.form)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        return _thread_page(thread_id, error=err.message, status=err.status, draft=request.form.get("text", ""))
    flash(done, "ok")
    return redirect(url_for("messages.thread", thread_id=thread_id))


@pages.get("/live.json")
@login_required
def live():
    """{"unread", "token"} for the nav badge and the open page; 304 while the token (ETag) is unchanged."""
    thread_id = _int("thread")
    token = inbox_queries.version_token(thread_id)
    if request.if_none_match.contains(token):
        return Response(status=304, headers={"ETag": f'"{token}"'})
    response = jsonify({"unread": inbox_queries.unread(), "token": token})
    response.set_etag(token)
    return response


class UnreadLabel(str):
    """The nav label with the unread count beside it (rendered by `base.html`'s `{{ item.label }}`)."""

    def __html__(self) -> Markup:
        try:
            count = inbox_queries.unread()
        except Exception:  # noqa: BLE001 - a nav badge must never break a page
            count = 0
        badge = Markup('<span class="badge unread" data-unread>{}</span>').format(count) if count else \
            Markup('<span class="badge unread" data-unread hidden></span>')
        return escape(str.__str__(self)) + Markup(" ") + badge


from console import messages_api, messages_duty  # noqa: E402,F401  (API blueprint; duty and phone pages)

register_feature(Feature(
    name="messages", pages=pages, api=messages_api.api,
    nav=[NavItem(UnreadLabel("消息"), "messages.index", order=5),
         NavItem("值班表", "messages.duty", order=6),
         NavItem("我的微信", "messages.phone", roles=("admin", "staff"), order=951)],
    widgets=[Widget("等待回复的对话", count=lambda me: inbox_queries.unread(), endpoint="messages.index", order=5,
                    empty="没有等待回复的对话。消费者发“人工”或留言后会出现在这里。")],
))
