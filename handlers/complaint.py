"""投诉 and 举报 intake in chat: one question per message, a summary to 确认 / 修改 / 取消, then the case is filed.

投诉 (menu COMPLAINT, word 投诉): privacy notice (同意) → business → address (text or location) → what happened →
amount (number or 无) → what they want (1–6) → photos (完成/跳过) → name → phone → summary.
举报 (menu REPORT, word 举报): privacy notice → who → where → what → photos → name (or 匿名) → phone → summary.
修改 redoes one field and returns to the summary; 取消 at any step files nothing (the flow engine's cancel words).
Following a case (查询, 撤回, 评价) is `handlers.complaint_followup`.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.conversation import Flow, Turn
from bot.messages import Reply
from handlers import complaint_followup
from models.complaint import Kind, Wish
from services import DomainError, case_evidence, complaints
from services.clock import plain_date

PRIVACY = {
    Kind.COMPLAINT: (
        "【投诉登记 · 个人信息告知】\n为依法处理您的投诉，我们将收集您的姓名、电话、被投诉商家信息、事情经过和照片，"
        "仅用于本次投诉的受理、调解和统计；调解需要时会把必要信息告知被投诉商家，不会提供给其他无关人员。"
        "依照《消费者权益保护法实施条例》第46条，投诉需提供真实身份信息。\n"
        "同意请回复“同意”；不同意请回复“取消”。"),
    Kind.REPORT: (
        "【举报登记 · 个人信息告知】\n举报是向我们反映经营者涉嫌违法的线索。您可以匿名举报；"
        "留下姓名电话的，我们依法为您保密，举报人信息只有管理员可见，不会透露给被举报人。"
        "请如实反映情况，对举报内容的真实性负责。\n同意请回复“同意”；不同意请回复“取消”。"),
}
NEED_CONSENT = "需要您回复“同意”才能继续登记；不想继续请回复“取消”。"
ASK = {
    (Kind.COMPLAINT, "merchant"): "第1步：请告诉我被投诉商家的名称（店名或网店名）。",
    (Kind.COMPLAINT, "address"): "第2步：商家的地址在哪里？可以直接输入（如：城关镇人民路88号），也可以点“+”发送位置。",
    (Kind.COMPLAINT, "story"): "第3步：请说说事情经过：买了什么或接受了什么服务、什么时候、出了什么问题。",
    (Kind.COMPLAINT, "amount"): "第4步：您花了多少钱？请填金额数字（如 128），没有花钱请回复“无”。",
    (Kind.COMPLAINT, "wish"): "第5步：您希望怎么解决？回复数字：\n1 退货\n2 换货\n3 维修\n4 退款\n5 赔偿\n6 其他",
    (Kind.COMPLAINT, "photos"): "第6步：请发送照片作为证据（发票、小票、商品、聊天记录截图等），可以发多张。"
                                "发完请回复“完成”；没有照片请回复“跳过”。",
    (Kind.COMPLAINT, "name"): "第7步：请告诉我您的真实姓名。",
    (Kind.COMPLAINT, "phone"): "第8步：请留下您的联系电话（手机或带区号的座机），方便我们联系您。",
    (Kind.REPORT, "merchant"): "第1步：您要举报谁？请写明经营者名称（店名、网店名或个人）。",
    (Kind.REPORT, "address"): "第2步：违法行为发生在哪里？可以直接输入地址，也可以点“+”发送位置。",
    (Kind.REPORT, "story"): "第3步：请说明违法行为：什么时间、什么行为、涉及什么商品或服务。",
    (Kind.REPORT, "photos"): "第4步：有证据照片请直接发送，可以发多张；发完回复“完成”，没有请回复“跳过”。",
    (Kind.REPORT, "name"): "第5步：请留下您的姓名以便告知处理结果；不想留名请回复“匿名”。",
    (Kind.REPORT, "phone"): "第6步：请留下联系电话（手机或带区号的座机）；不想留请回复“跳过”。",
}
ORDER = {
    Kind.COMPLAINT: ["merchant", "address", "story", "amount", "wish", "photos", "name", "phone"],
    Kind.REPORT: ["merchant", "address", "story", "photos", "name", "phone"],
}
FIELD_LABELS = {
    Kind.COMPLAINT: {"merchant": "商家名称", "address": "商家地址", "story": "事情经过", "amount": "金额",
                     "wish": "诉求", "photos": "照片", "name": "姓名", "phone": "电话"},
    Kind.REPORT: {"merchant": "被举报对象", "address": "地点", "story": "违法行为", "photos": "证据照片",
                  "name": "举报人", "phone": "电话"},
}
WISHES = list(Wish)
BAD_WISH = "请回复 1 到 6 的数字：1 退货，2 换货，3 维修，4 退款，5 赔偿，6 其他。"
PHOTO_OK = "已收到第 {n} 张照片。可以继续发送，发完请回复“完成”。"
PHOTO_LATER = "已收到第 {n} 张照片（暂时没能下载，系统会自动重试，不会丢失）。可以继续发送，发完请回复“完成”。"
PHOTO_ASK = "请发送照片，或回复“完成”继续（没有照片请回复“跳过”）。"
DONE_WORDS = {"完成", "好了", "跳过", "没有", "无"}
ANONYMOUS_WORDS = {"匿名", "不留名"}
SKIP_WORDS = {"跳过", "不留", "无"}
SUMMARY = "请核对您的{kind}：\n{lines}\n\n确认无误请回复“确认”；需要修改请回复“修改”；放弃请回复“取消”。"
CONFIRM_ASK = "请回复“确认”提交，“修改”更改某一项，或“取消”放弃。"
EDIT_ASK = "要修改哪一项？回复数字：\n{lines}"
BAD_EDIT = "请回复要修改的那一项前面的数字。"
FILED = {
    Kind.COMPLAINT: "投诉已提交！您的投诉编号：{number}\n我们会在{date}前告知您是否受理。"
                    "随时发送“查询”可查看进度；受理前发送“撤回 {number}”可撤回。",
    Kind.REPORT: "举报已提交！您的举报编号：{number}\n我们会在{date}前完成核查并决定是否立案。"
                 "感谢您的监督，发送“查询”可查看进度。",
}
ANONYMOUS_LABEL = "匿名"
NONE_LABEL = "无"


def _kind(turn: Turn) -> Kind:
    return Kind(turn.data["kind"])


def _ask(turn: Turn, step: str) -> Reply:
    return turn.goto(step, ASK[(_kind(turn), step)])


def _onward(turn: Turn, step: str) -> Reply:
    """After storing `step`'s answer: back to the summary when editing, else the next question."""
    order = ORDER[_kind(turn)]
    if turn.data.pop("editing", False):
        return turn.goto("confirm", summary(turn))
    return _ask(turn, order[order.index(step) + 1]) if step != order[-1] else turn.goto("confirm", summary(turn))


def _begin(turn: Turn, kind: Kind) -> Reply:
    turn.data.update(kind=kind, token=complaints.new_intake_token(), photos=0)
    return turn.goto("consent", PRIVACY[kind])


def start_complaint(turn: Turn) -> Reply:
    """Open a 投诉 intake with a fresh intake token and show the privacy notice."""
    return _begin(turn, Kind.COMPLAINT)


def start_report(turn: Turn) -> Reply:
    """Open a 举报 intake with a fresh intake token and show the privacy notice."""
    return _begin(turn, Kind.REPORT)


def consent(turn: Turn) -> Reply:
    """Go on only after 同意; ask for the business."""
    if turn.text != "同意":
        return turn.stay(NEED_CONSENT)
    return _ask(turn, "merchant")


def take_merchant(turn: Turn) -> Reply:
    """Store the business (or reported party) name and ask where it is."""
    turn.data["merchant"] = complaints.clean_text(turn.text, limit=100, field="merchant")
    return _onward(turn, "merchant")


def take_address(turn: Turn) -> Reply:
    """Store the address typed, or a WeChat location (label and coordinates), and ask what happened."""
    incoming = turn.incoming
    if incoming.type == "location":
        label = incoming.label.strip() or f"位置（{incoming.latitude:.5f}, {incoming.longitude:.5f}）"
        turn.data.update(address=label[:200], lat=incoming.latitude, lng=incoming.longitude)
    else:
        turn.data.update(address=complaints.clean_text(turn.text, limit=200, field="address"), lat=None, lng=None)
    return _onward(turn, "address")


def take_story(turn: Turn) -> Reply:
    """Store what happened and ask the amount (投诉) or for photos (举报)."""
    turn.data["story"] = complaints.clean_text(turn.text, limit=1000, field="story")
    return _onward(turn, "story")


def take_amount(turn: Turn) -> Reply:
    """Store the amount paid (a number, or 无) and ask what they want."""
    amount = complaints.clean_amount(turn.text)
    turn.data["amount"] = str(amount) if amount is not None else None
    return _onward(turn, "amount")


def take_wish(turn: Turn) -> Reply:
    """Store the wanted remedy (1–6 or its word) and ask for photos."""
    text = turn.text
    if text.isdigit() and 1 <= int(text) <= len(WISHES):
        turn.data["wish"] = WISHES[int(text) - 1].value
    elif text in {w.value for w in WISHES}:
        turn.data["wish"] = text
    else:
        return turn.stay(BAD_WISH)
    return _onward(turn, "wish")


def take_photos(turn: Turn) -> Reply:
    """Fetch and store each image as it arrives; 完成/跳过 goes on to the name."""
    incoming = turn.incoming
    if incoming.type == "image" and incoming.media_id:
        photo = case_evidence.attach(openid=incoming.openid, intake_token=turn.data["token"],
                                     media_id=incoming.media_id, fetch=turn.services.sender.fetch_media,
                                     now=turn.now)
        n = case_evidence.count(openid=incoming.openid, intake_token=turn.data["token"])
        turn.data["photos"] = n
        return turn.stay((PHOTO_OK if photo.data is not None else PHOTO_LATER).format(n=n))
    if turn.text in DONE_WORDS:
        return _onward(turn, "photos")
    return turn.stay(PHOTO_ASK)


def take_name(turn: Turn) -> Reply:
    """Store the name (举报: 匿名 skips name and phone) and ask the phone."""
    if _kind(turn) == Kind.REPORT and turn.text in ANONYMOUS_WORDS:
        turn.data.update(name=None, phone=None, anonymous=True)
        turn.data.pop("editing", None)
        return turn.goto("confirm", summary(turn))
    turn.data.update(name=complaints.clean_name(turn.text), anonymous=False)
    return _onward(turn, "name")


def take_phone(turn: Turn) -> Reply:
    """Store a validated mobile or landline number (举报 may skip) and show the summary."""
    if _kind(turn) == Kind.REPORT and turn.text in SKIP_WORDS:
        turn.data["phone"] = None
    else:
        turn.data["phone"] = complaints.clean_phone(turn.text)
    if _kind(turn) == Kind.REPORT:      # a reporter who leaves a phone (even without a name) is contactable
        turn.data["anonymous"] = not turn.data.get("name") and not turn.data["phone"]
    return _onward(turn, "phone")


def _value(turn: Turn, field: str) -> str:
    data = turn.data
    if field == "amount":
        return f"{Decimal(data['amount']):.2f}元" if data.get("amount") else NONE_LABEL
    if field == "photos":
        return f"{data.get('photos', 0)}张"
    if field == "name" and data.get("anonymous"):
        return ANONYMOUS_LABEL
    return str(data.get(field) or NONE_LABEL)


def summary(turn: Turn) -> str:
    kind = _kind(turn)
    lines = [f"{FIELD_LABELS[kind][f]}：{_value(turn, f)}" for f in ORDER[kind]
             if not (f == "phone" and turn.data.get("anonymous"))]
    return SUMMARY.format(kind="投诉" if kind == Kind.COMPLAINT else "举报", lines="\n".join(lines))


def confirm(turn: Turn) -> Reply:
    """确认 files the case (committed before this reply); 修改 lists the fields to redo."""
    if turn.text == "修改":
        kind = _kind(turn)
        lines = "\n".join(f"{i}. {FIELD_LABELS[kind][f]}" for i, f in enumerate(ORDER[kind], 1))
        return turn.goto("edit", EDIT_ASK.format(lines=lines))
    if turn.text != "确认":
        return turn.stay(CONFIRM_ASK)
    case = complaints.file(openid=turn.incoming.openid, intake_token=turn.data["token"], intake=_intake(turn),
                           now=turn.now)
    return turn.end(FILED[_kind(turn)].format(number=case.number, date=plain_date(case.due_on)))


def edit(turn: Turn) -> Reply:
    """Pick one field by number and ask it again; its step returns to the summary."""
    order = ORDER[_kind(turn)]
    if not (turn.text.isdigit() and 1 <= int(turn.text) <= len(order)):
        return turn.stay(BAD_EDIT)
    turn.data["editing"] = True
    return _ask(turn, order[int(turn.text) - 1])


def _intake(turn: Turn) -> complaints.Intake:
    d = turn.data
    return complaints.Intake(
        kind=_kind(turn), business_name=d["merchant"], business_address=d["address"], story=d["story"],
        latitude=d.get("lat"), longitude=d.get("lng"),
        amount=Decimal(d["amount"]) if d.get("amount") else None,
        wish=Wish(d["wish"]) if d.get("wish") else None, name=d.get("name"), phone=d.get("phone"),
        anonymous=bool(d.get("anonymous")))


def _reasked(step):
    """A validation failure re-asks the same question with what was wrong (nothing is stored)."""
    def run(turn: Turn) -> Reply:
        try:
            return step(turn)
        except DomainError as err:
            return turn.stay(err.message)
    run.__doc__ = step.__doc__
    return run


INTAKE_TIMEOUT = timedelta(hours=1)      # gathering receipts and photos takes a while
STEPS = {name: _reasked(fn) for name, fn in {
    "consent": consent, "merchant": take_merchant, "address": take_address, "story": take_story,
    "amount": take_amount, "wish": take_wish, "photos": take_photos, "name": take_name, "phone": take_phone,
    "confirm": confirm, "edit": edit,
}.items()}

COMPLAINT = Flow(name="complaint", title="投诉登记", start=start_complaint, steps=STEPS,
                 keys=frozenset({"COMPLAINT"}), words=frozenset({"投诉", "我要投诉"}), timeout=INTAKE_TIMEOUT)
REPORT = Flow(name="report", title="举报登记", start=start_report, steps=STEPS,
              keys=frozenset({"REPORT"}), words=frozenset({"举报", "我要举报"}), timeout=INTAKE_TIMEOUT)

ENTRIES = [COMPLAINT, REPORT, *complaint_followup.ENTRIES]
