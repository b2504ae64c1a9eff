"""投诉 and 举报 intake in chat: one question per message, a summary to 确认 / 修改 / 取消, then the case is filed.

Each intake is one table of questions (`COMPLAINT_FORM`, `REPORT_FORM`; see `bot.form`): the order, the "第N步"
numbers, the summary and the 修改 list all come from it, so changing a question is one edit there. Both start with
a privacy notice that needs 同意. 取消 at any step files nothing (the flow engine's cancel words). Following a case
(查询, 撤回, 评价) is `handlers.complaint_followup`, listed on its own in `handlers/__init__.py`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from bot.conversation import Turn
from bot.flow_types import squeeze
from bot.form import ACKNOWLEDGED, AHEAD, TEXT, Form, Question, guarded
from bot.messages import Reply
from bot.numbers import parse_numbers
from handlers.interruptions import phrased_as_question
from handlers.menu_keys import MenuKey
from models.complaint import Kind, Wish
from services import DomainError, case_evidence, complaints, faq
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
# Asking why the details are needed ("为啥要名字", "要电话干嘛")
WHY_ASKED = re.compile(r"(为啥|为什么|干嘛|干啥|凭啥|凭什么).{0,6}(名字|姓名|电话|手机|信息|身份|实名)|(名字|姓名|电话|手机|信息|身份|实名).{0,4}(干嘛|干啥|做什么|有啥用|有什么用)")
WHY = {
    Kind.COMPLAINT: "投诉要调解，部门需要知道是谁投诉、怎么联系您，所以要真实姓名和电话；这些信息只用于这次投诉的处理，"
                    "不会给无关的人。不想留的话，可以回复“取消”，改发“举报”匿名反映商家的问题。\n同意请回复“同意”。",
    Kind.REPORT: "举报可以匿名：后面问姓名时回复“匿名”就行。留下姓名电话的，只用于告诉您处理结果，依法保密，不会告诉被举报人。"
                 "\n同意请回复“同意”。",
}
CONSENTED = "consented"      # in the intake's data once 同意 was given (kept when it starts afresh)
NEED_CONSENT = "需要您先回复“同意”才能开始登记，刚才发的内容还没有记下；不想继续请回复“取消”。"
# What people type before the answer itself: "我叫张三", "我是张三", "姓名：张三"; "我电话是138…", "手机号 138…"
SAYS_NAME = re.compile(r"^((我|俺)(的)?(叫|是|名字是|名字叫|姓名是|真名是|真名叫)|(姓名|名字|真名)(是|叫)?[:：]?)\s*")
SAYS_PHONE = re.compile(r"^(我|俺)?(的)?(手机号码?|手机|电话号码?|电话|联系电话|联系方式|号码)(是|为)?[:：]?\s*")
# A name or a phone typed before it is asked (while the story is told): a whole message that can be nothing else —
# "我叫张三", "姓名：张三" (not "我是…": "我是消费者"), "13800138000", "电话 0371-6543210"
NAME_AHEAD = re.compile(r"(我|俺)(的)?(叫|名字是|名字叫|姓名是|真名是|真名叫)\s*[\u4e00-\u9fff]{2,4}|(姓名|名字|真名)[:：]\s*[\u4e00-\u9fff]{2,4}")
PHONE_AHEAD = re.compile(r"((我|俺)?(的)?(手机号码?|手机|电话号码?|电话|联系电话|联系方式|号码)(是|为)?[:：]?\s*)?"
                         r"(\+86)?[\d\s()（）\-—－]{7,20}")
# No photos, in the consumer's words: "没照片", "没有图", "没拍", "不用了", "不发了"
NO_PHOTOS = re.compile(r"(没|没有|无|木有)(照片|图|图片|相片|拍|拍照|证据|截图)?(了|啊|呀|哦)?|不用了?|不发了?|不用发了?|"
                       r"(照片|图片|图)?(刚才|已经|之前|前面)?(都)?(发过了|发了|发完了|发过)(了|啊)?")
# A plain yes to the notice's question is consent: "好", "可以", "行", "没问题" ("不同意" and "知道了" are not)
AGREE = re.compile(r"(好的?|嗯|行|可以|ok)?(我|俺)?(同意|好|好的|好滴|可以|行|中|没问题|确认|确定|是|是的|对|嗯|嗯嗯|ok|okay)(了|的|啊|呀|吧|哈)?",
                   re.IGNORECASE)
# Saying no to the notice ("不同意", "不想给"): the intake ends, with what can be done without it
REFUSE = re.compile(r"(我|俺)?(不同意|不愿意|拒绝|不想同意|不给|不想给|不想留)(了|的|啊|呀|吧)?")
REFUSED = {
    Kind.COMPLAINT: "好的，不登记了，也没有保存任何内容。投诉需要实名才能受理；不想留个人信息的，可以发“举报”匿名反映商家的问题，"
                    "有问题也可以直接问我。",
    Kind.REPORT: "好的，不登记了，也没有保存任何内容。有问题可以直接问我，或者发“人工”找工作人员。",
}
WISHES = list(Wish)
_WISH_SPLIT = re.compile(r"[\s,，、;；/和及与跟还有以及或]+")
BAD_WISH = ("请回复 1 到 6 的数字，可以选几项（如“4 5”），也可以直接写“退款 赔偿”：1 退货，2 换货，3 维修，4 退款，5 赔偿，"
            "6 其他。")
ASK_OTHER = "您选了“其他”：请说说您希望怎么解决（如：赔礼道歉、出具书面说明）。"
STORY_MORE = "已记下（共 {n} 字）。还有要补充的请接着发；说完了请回复“完成”。"
MERCHANT_MAX = 100
PLACE_NO_NAME = "收到位置，但看不出商家的名字，请直接打字告诉我。\n{ask}"
STORY_FIRST = "您说的经过已经记下，到“事情经过”那一步会给您看，还可以补充。\n{ask}"
STORY_AGAIN = "{ask}\n原来写的是：“{told}”\n发新的内容会替换原来的；不用改请回复“完成”。"
PHOTOS_HAVE = "已收到您发的 {n} 张照片。还有要补充的请接着发，发完请回复“完成”。"
STORY_TOLD = "{ask}\n已记下您说的：“{told}”\n还有要补充的请接着发；没有了请回复“完成”。"
STORY_EMPTY = "还没有收到事情经过。请先说说发生了什么，说完了再回复“完成”。"
STORY_FULL = "事情经过最多 {limit} 字，这一段放不下了。请精简后再发，或回复“完成”提交已记下的内容。"
PHOTO_OK = "已收到第 {n} 张照片。可以继续发送，发完请回复“完成”。"
PHOTO_LATER = "已收到第 {n} 张照片（暂时没能下载，系统会自动重试，不会丢失）。可以继续发送，发完请回复“完成”。"
PHOTO_ASK = "请发送照片，或回复“完成”继续（没有照片请回复“跳过”）。"
DONE_WORDS = {"完成", "好了", "跳过", "没有", "无"}
# The story (and the photos) end on 完成, or on what a hurried consumer types instead: "确认", "提交", "下一步", "就这些
# 吧", "ok" (a whole message, trailing particles and punctuation aside)
STORY_DONE = re.compile(r"(完成|完成了|完了|说完了?|写完了?|发完了?|讲完了?|好了|行了|可以了|没有了|没了|就这些|就这样|就这么多|"
                        r"确认|确定|提交|下一步|结束|ok|okay|嗯好了)[了啦吧呀啊哈嗯]*", re.IGNORECASE)
STORY_MAX = 3000            # cases.story is Text; a few thousand characters over several messages
STORY_PARTS = "story_parts"
OTHER_MAX = 60              # cases.wish holds the chosen remedies and these words (String(120))
WISH_OTHER = "wish_other"   # the follow-up to 其他, outside the numbered table
ANONYMOUS_WORDS = {"匿名", "不留名"}
ANONYMOUS_WISH = re.compile(r"(我|俺)?(要|想)?匿名(举报)?(吧|可以吗|行吗|行不)?|(我|俺)?(要|想)?(不留名|不留名字)(举报)?")
ANONYMOUS_NOTED = "好的，这次举报匿名，不问您的姓名和电话。\n{ask}"
# Not wanting to leave one's name or number, said in one's own words (squeezed, the whole message): "我不想留名字",
# "不想让老板知道是我", "电话就不留了"
UNNAMED = re.compile(r"(我|俺)?(还是)?(就)?(不想|不愿意|不愿|不要|不用|不|不方便|没法)(留|写|填|说|透露|告诉你们?|给)"
                     r"(我的|俺的)?(名字|名|姓名|真名|电话|手机号?|号码|联系方式)?(了|吧|行吗|可以吗|行不|中不中|啊)?|"
                     r"(名字|姓名|电话|手机号?|号码)(就)?不(留|写|填|给)了?(吧|啊)?|匿名(举报)?(吧|行吗|可以吗|行不)?|"
                     r"不想让.{0,8}知道(是我|我是谁)?(举报的)?")
REAL_NAME = ("投诉需要留真实姓名和电话，部门才能依法受理并联系您调解。不想留名的话，可以回复“取消”后发“举报”，举报可以匿名。\n"
             "{ask}")
SKIP_WORDS = {"跳过", "不留", "无"}
FILED = {
    Kind.COMPLAINT: "投诉已提交！您的投诉编号：{number}\n我们会在{date}前告知您是否受理。"
                    "随时发送“查询”可查看进度；受理前发送“撤回 {number}”可撤回。",
    Kind.REPORT: "举报已提交！您的举报编号：{number}\n我们会在{date}前完成核查并决定是否立案。"
                 "感谢您的监督，发送“查询”可查看进度。",
}
ANONYMOUS_LABEL = "匿名"
NONE_LABEL = "无"


INTAKE_TIMEOUT = timedelta(hours=1)      # gathering receipts and photos takes a while


class Step(StrEnum):
    CONSENT = "consent"
    MERCHANT = "merchant"
    ADDRESS = "address"
    STORY = "story"
    AMOUNT = "amount"
    WISH = "wish"
    PHOTOS = "photos"
    NAME = "name"
    PHONE = "phone"


def _kind(turn: Turn) -> Kind:
    return Kind(turn.data["kind"])


def _form(turn: Turn) -> Form:
    return FORMS[_kind(turn)]


def _begin(turn: Turn, kind: Kind) -> Reply:
    consented = turn.data.get(CONSENTED)                 # 重新填 after 同意: the notice is not shown again
    turn.data.update(kind=kind, token=complaints.new_intake_token(), photos=0)
    if consented:
        return _form(turn).first(turn)
    story = told(turn.text, kind) if turn.incoming.has_text else None
    if story is None:
        return turn.goto(Step.CONSENT, PRIVACY[kind])
    if SHOP_ONLY.fullmatch(story):               # "我要投诉东街超市": the shop, not a story
        turn.data.update(FORMS[kind].prefilled({Step.MERCHANT: story}))
        return turn.goto(Step.CONSENT, PRIVACY[kind])
    turn.data[STORY_PARTS] = [story]            # the story question shows it and takes more, or 完成
    return turn.goto(Step.CONSENT, f"{PRIVACY[kind]}\n{TOLD_KEPT}")


def start_complaint(turn: Turn) -> Reply:
    """Open a 投诉 intake with a fresh intake token and show the privacy notice."""
    return _begin(turn, Kind.COMPLAINT)


def start_report(turn: Turn) -> Reply:
    """Open a 举报 intake with a fresh intake token and show the privacy notice."""
    return _begin(turn, Kind.REPORT)


def prefilled(kind: Kind, *, business_name: str | None, business_address: str | None) -> dict:
    """Intake data with the business already known (a market's QR code): those questions are not asked."""
    return FORMS[kind].prefilled({Step.MERCHANT: business_name, Step.ADDRESS: business_address})


def consent(turn: Turn) -> Reply:
    """Go on only after 同意 (or a plain yes); ask the first question."""
    said = "".join(c for c in squeeze(turn.text) if c.isalnum())      # "同意👌"
    if REFUSE.fullmatch(said):
        return turn.end(REFUSED[_kind(turn)])
    if WHY_ASKED.search(said):                    # "为啥要名字": why, then the notice's question again
        return turn.stay(WHY[_kind(turn)])
    if AGREE.fullmatch(said) is None:
        return turn.stay(NEED_CONSENT)
    turn.data[CONSENTED] = True
    return _form(turn).first(turn)


def take_merchant(turn: Turn) -> Reply | None:
    """Store the business (or reported party) name. The whole story told first, longer than any name, is kept for
    the story question, and the name asked again. In a 举报, "我要匿名举报" here is the wish to stay anonymous: name
    and phone are not asked, and who is reported is asked again."""
    if turn.incoming.type == "location":        # the shop sent as a place: its name and address at once
        if not turn.incoming.label.strip():
            return turn.stay(PLACE_NO_NAME.format(ask=turn.asked or ""))
        take_address(turn)
        turn.data[Step.MERCHANT] = turn.data[Step.ADDRESS][:MERCHANT_MAX]
        turn.data[AHEAD] = [*turn.data.get(AHEAD, []), Step.ADDRESS]
        return None
    if _kind(turn) == Kind.REPORT and ANONYMOUS_WISH.fullmatch(squeeze(turn.text)):
        turn.data.update(name=None, phone=None, anonymous=True)
        turn.data[AHEAD] = [*turn.data.get(AHEAD, []), Step.NAME]
        return turn.stay(ANONYMOUS_NOTED.format(ask=turn.asked or ""))
    if len(turn.text.strip()) > MERCHANT_MAX and STORY_PARTS not in turn.data:
        turn.data[STORY_PARTS] = [complaints.clean_text(turn.text, limit=STORY_MAX, field="story")]
        return turn.stay(STORY_FIRST.format(ask=turn.asked or ""))
    turn.data[Step.MERCHANT] = complaints.clean_text(turn.text, limit=MERCHANT_MAX, field="merchant")
    return None


def take_address(turn: Turn) -> None:
    """Store the address typed, or a WeChat location (label and coordinates)."""
    incoming = turn.incoming
    if incoming.type == "location":
        label = incoming.label.strip() or f"位置（{incoming.latitude:.5f}, {incoming.longitude:.5f}）"
        turn.data.update(address=label[:200], lat=incoming.latitude, lng=incoming.longitude)
    else:
        turn.data.update(address=complaints.clean_text(turn.text, limit=200, field="address"), lat=None, lng=None)


def take_story(turn: Turn) -> Reply | None:
    """Collect what happened over as many messages as it takes; 完成 goes on once something was told. Asked again
    (上一步, 修改), new messages replace the story told before, and 完成 alone keeps it."""
    parts = turn.data.setdefault(STORY_PARTS, [])
    if STORY_DONE.fullmatch(squeeze(turn.text)):
        if not parts and turn.data.get(Step.STORY):
            turn.data.pop(STORY_PARTS)
            return None
        if not parts:
            return turn.stay(STORY_EMPTY)
        turn.data[Step.STORY] = "\n".join(turn.data.pop(STORY_PARTS))
        return None
    text = complaints.clean_text(turn.text, limit=STORY_MAX, field="story")
    total = sum(len(p) for p in parts) + len(text)
    if total > STORY_MAX:
        return turn.stay(STORY_FULL.format(limit=STORY_MAX))
    parts.append(text)
    return turn.stay(STORY_MORE.format(n=total))


def _story_prompt(ask: str) -> Callable[[dict], str]:
    """The story question; with the story told already (in the message that opened the form), what was told."""
    def prompt(data: dict) -> str:
        parts, told = data.get(STORY_PARTS), data.get(Step.STORY)
        if parts:
            return STORY_TOLD.format(ask=ask.split("可以分几条发")[0], told="".join(parts))
        if told:                            # asked again (上一步, 修改): what a new story would replace
            return STORY_AGAIN.format(ask=ask.split("可以分几条发")[0], told=told)
        return ask
    return prompt


def _photos_prompt(ask: str) -> Callable[[dict], str]:
    """The photos question; with photos sent earlier in the form (while telling the story), how many are in."""
    def prompt(data: dict) -> str:
        return PHOTOS_HAVE.format(n=data[Step.PHOTOS]) if data.get(Step.PHOTOS) else ask
    return prompt


def take_amount(turn: Turn) -> None:
    """Store the amount paid (a number, or 无)."""
    amount = complaints.clean_amount(turn.text)
    turn.data[Step.AMOUNT] = str(amount) if amount is not None else None


def take_wish(turn: Turn) -> Reply | None:
    """Store one or more remedies (`4 5`, `④⑤`, `退款和赔偿`, "退钱 再赔点"); 其他 asks what they want. A claim's
    multiple is kept ("十倍赔偿" → 赔偿（十倍）), and a wish in words that names none of the five ("道歉", "给个说法")
    is 其他 with those words."""
    wishes = _wishes(turn.text)
    if wishes is None:
        said = squeeze(turn.text)
        if not _HAN.search(said) or len(said) > OTHER_MAX or ACKNOWLEDGED.fullmatch(said) or _UNSURE.search(said) or \
                phrased_as_question(turn.text) or parse_numbers(turn.text) is not None:
            return turn.stay(BAD_WISH)
        turn.data[Step.WISH] = f"{Wish.OTHER}（{said}）"
        return None
    shown = [f"{w}（{_MULTIPLE.search(turn.text).group()}）" if w == Wish.COMPENSATION and _MULTIPLE.search(turn.text)
             else str(w) for w in wishes]
    turn.data[Step.WISH] = "、".join(shown)
    if Wish.OTHER in wishes:
        return turn.goto(WISH_OTHER, ASK_OTHER)
    return None


def _wishes(text: str) -> list[Wish] | None:
    numbers = parse_numbers(text)
    if numbers is not None:
        if not all(1 <= n <= len(WISHES) for n in numbers):
            return None
        return [WISHES[n - 1] for n in sorted(numbers)]
    words = [w for w in _WISH_SPLIT.split(text) if w]
    labels = {w.value: w for w in WISHES}
    if words and all(w in labels for w in words):
        return [labels[w] for w in dict.fromkeys(words)]
    said = {wish for wish, pattern in _WISH_WORDS if pattern.search(text)}
    return [w for w in WISHES if w in said] or None


# What a remedy is called when typed in a hurry ("退钱 再赔点", "给换个新的", "修好就行"), each not after 不要/不用 (nor
# 不 itself: "不退不换" names none). 退钱 is a refund, not a return of the goods.
_NOT = r"(?<!不要)(?<!不用)(?<!不需要)(?<!不)"
_WISH_WORDS = [
    (Wish.RETURN, re.compile(_NOT + r"(退货|退掉|退回去|把货退|东西退)")),
    (Wish.EXCHANGE, re.compile(_NOT + r"(换货|换一个|换个|换新|调换|给换|换一台|换一件|换一双)")),
    (Wish.REPAIR, re.compile(_NOT + r"(维修|修好|修一下|修理|给修|修修)")),
    (Wish.REFUND, re.compile(_NOT + r"(退款|退钱|退费|退全款|全额退|把钱退|钱退|返钱|还钱|退我钱|退给我|全退|全部退|退一赔三)")),
    (Wish.COMPENSATION, re.compile(_NOT + r"(赔偿|赔钱|赔点|赔我|给赔|补偿|十倍|三倍|退一赔三|假一赔|赔(?!礼))")),
]


# Not knowing what to ask for ("我也不知道", "随便"): asked again with the choices, never stored as 其他
_UNSURE = re.compile(r"不知道|不清楚|不晓得|不懂|随便|都行|看着办|没想好")
# How much a claim asks for, kept for staff ("十倍赔偿", "退一赔三", "三倍")
_MULTIPLE = re.compile(r"[十三两二五]倍|退一赔三|假一赔[十三]")


def take_other_wish(turn: Turn) -> Reply:
    """Store what 其他 means in the consumer's words, then go on after the remedy question."""
    other = complaints.clean_text(turn.text, limit=OTHER_MAX, field="wish")
    turn.data[Step.WISH] = turn.data[Step.WISH].replace(Wish.OTHER, f"{Wish.OTHER}（{other}）")
    return _form(turn).onward(turn, Step.WISH)


def take_photos(turn: Turn) -> Reply | None:
    """Fetch and store each image as it arrives (staying on the step); 完成/跳过 goes on."""
    incoming = turn.incoming
    if incoming.type == "image" and incoming.media_id:
        photo = case_evidence.attach(openid=incoming.openid, intake_token=turn.data["token"],
                                     media_id=incoming.media_id, fetch=turn.services.sender.fetch_media,
                                     now=turn.now)
        n = case_evidence.count(openid=incoming.openid, intake_token=turn.data["token"])
        turn.data[Step.PHOTOS] = n
        return turn.stay((PHOTO_OK if photo.data is not None else PHOTO_LATER).format(n=n))
    said = squeeze(turn.text)
    if turn.text in DONE_WORDS or STORY_DONE.fullmatch(said) or NO_PHOTOS.fullmatch(said):
        return None
    return turn.stay(PHOTO_ASK)


def take_name(turn: Turn) -> Reply | None:
    """Store the name (举报: 匿名, or not wanting to leave it in one's own words, leaves name and phone out; 投诉 says
    why a name is needed)."""
    unnamed = turn.text in ANONYMOUS_WORDS or UNNAMED.fullmatch(squeeze(turn.text)) is not None
    if _kind(turn) == Kind.REPORT and unnamed:
        turn.data.update(name=None, phone=None, anonymous=True)
        return None
    if unnamed:
        return turn.stay(REAL_NAME.format(ask=turn.asked or ""))
    said, phone = _with_phone(turn.text.strip())
    turn.data.update(name=complaints.clean_name(SAYS_NAME.sub("", said)), anonymous=False)
    if phone is not None:                   # "张三 13800138000": the phone question is not asked
        turn.data.update(phone=phone)
        turn.data[AHEAD] = [*turn.data.get(AHEAD, []), Step.PHONE]
    return None


def _with_phone(text: str) -> tuple[str, str | None]:
    """A name typed with the phone after it ("张三 13800138000", "张三，电话138…"): the name's words and the phone."""
    found = re.search(r"[\s,，、;；]*(电话|手机|号码)?[:：]?\s*[0-9０-９+][0-9０-９\s\-]{6,}$", text)
    if found is None:
        return text, None
    try:
        return text[:found.start()], complaints.clean_phone(found.group())
    except DomainError:
        return text, None


def take_phone(turn: Turn) -> Reply | None:
    """Store a validated mobile or landline number (举报 may skip: the question is optional there, and not wanting to
    leave one in one's own words skips it too)."""
    if UNNAMED.fullmatch(squeeze(turn.text)):
        if _kind(turn) == Kind.REPORT:
            turn.data[Step.PHONE] = None
            return None
        return turn.stay(REAL_NAME.format(ask=turn.asked or ""))
    turn.data[Step.PHONE] = complaints.clean_phone(SAYS_PHONE.sub("", turn.text.strip()))
    if _kind(turn) == Kind.REPORT:      # a reporter who leaves a phone (even without a name) is contactable
        turn.data["anonymous"] = False
    return None


def _amount(data: dict) -> str:
    return f"{Decimal(data['amount']):.2f}元" if data.get("amount") else NONE_LABEL


def _photos(data: dict) -> str:
    return f"{data.get('photos', 0)}张"


def _reporter(data: dict) -> str:
    return ANONYMOUS_LABEL if data.get("anonymous") else str(data.get("name") or NONE_LABEL)


def _named(data: dict) -> bool:
    return not data.get("anonymous")


def submit(turn: Turn) -> Reply:
    """File the case (committed before this reply) and tell its number and the first deadline."""
    case = complaints.file(openid=turn.incoming.openid, intake_token=turn.data["token"], intake=_intake(turn),
                           now=turn.now)
    return turn.end(FILED[_kind(turn)].format(number=case.number, date=plain_date(case.due_on)))


def _intake(turn: Turn) -> complaints.Intake:
    d = turn.data
    anonymous = bool(d.get("anonymous")) or (_kind(turn) == Kind.REPORT and not d.get("name") and not d.get("phone"))
    return complaints.Intake(
        kind=_kind(turn), business_name=d["merchant"], business_address=d["address"], story=d["story"],
        latitude=d.get("lat"), longitude=d.get("lng"),
        amount=Decimal(d["amount"]) if d.get("amount") else None,
        wish=d.get("wish") or None, name=d.get("name"), phone=d.get("phone"),
        anonymous=anonymous)


COMPLAINT_FORM = Form(noun="投诉", submit=submit, questions=(
    Question(Step.MERCHANT, "请告诉我被投诉商家的名称（店名或网店名）。", "商家名称", take_merchant,
             accepts=TEXT | {"location"}, names="商家名|店名|名称|商家名字|店的名字"),
    Question(Step.ADDRESS, "商家的地址在哪里？可以直接输入（如：城关镇人民路88号），也可以点“+”发送位置。", "商家地址",
             take_address, accepts=TEXT | {"location"}, names="地址|位置|门牌"),
    Question(Step.STORY, _story_prompt("请说说事情经过：买了什么或接受了什么服务、什么时候、出了什么问题。可以分几条发，"
                                       "说完了请回复“完成”。"), "事情经过", take_story, corrects=False,
             names="经过|事情"),
    Question(Step.AMOUNT, "您花了多少钱？请填金额数字（如 128），没有花钱请回复“无”。", "金额", take_amount,
             show=_amount, free_text=False, names="金额|钱数|花了多少|价钱|钱"),
    Question(Step.WISH, "您希望怎么解决？回复数字，可以选几项（如“4 5”）：\n1 退货\n2 换货\n3 维修\n4 退款\n5 赔偿\n6 其他",
             "诉求", take_wish,
             free_text=False, names="诉求|要求|解决"),
    Question(Step.PHOTOS, _photos_prompt("请发送照片作为证据（发票、小票、商品、聊天记录截图等），可以发多张。"
                                         "发完请回复“完成”；没有照片请回复“跳过”。"), "照片", take_photos, show=_photos,
             free_text=False,
             accepts=TEXT | {"image"}, collects=True, names="照片|图片"),
    Question(Step.NAME, "请告诉我您的真实姓名。", "姓名", take_name, names="姓名|名字", ahead=NAME_AHEAD),
    Question(Step.PHONE, "请留下您的联系电话（手机或带区号的座机），方便我们联系您。", "电话", take_phone,
             names="电话|手机|号码", ahead=PHONE_AHEAD),
))
REPORT_FORM = Form(noun="举报", submit=submit, questions=(
    Question(Step.MERCHANT, "您要举报谁？请写明经营者名称（店名、网店名或个人）。", "被举报对象", take_merchant,
             accepts=TEXT | {"location"}, names="举报对象|对象|商家名|店名|名称"),
    Question(Step.ADDRESS, "违法行为发生在哪里？可以直接输入地址，也可以点“+”发送位置。", "地点", take_address,
             accepts=TEXT | {"location"}, names="地点|地址|位置"),
    Question(Step.STORY, _story_prompt("请说明违法行为：什么时间、什么行为、涉及什么商品或服务。可以分几条发，说完了请回复“完成”。"),
             "违法行为", take_story, corrects=False, names="违法行为|行为|经过|事情"),
    Question(Step.PHOTOS, _photos_prompt("有证据照片请直接发送，可以发多张；发完回复“完成”，没有请回复“跳过”。"), "证据照片",
             take_photos, show=_photos, free_text=False, accepts=TEXT | {"image"}, collects=True, names="照片|图片|证据"),
    Question(Step.NAME, "请留下您的姓名以便告知处理结果；不想留名请回复“匿名”。", "举报人", take_name, show=_reporter,
             names="举报人|姓名|名字", ahead=NAME_AHEAD),
    Question(Step.PHONE, "请留下联系电话（手机或带区号的座机）；不想留请回复“跳过”。", "电话", take_phone,
             optional=True, asked=_named, names="电话|手机|号码", ahead=PHONE_AHEAD),
))
FORMS = {Kind.COMPLAINT: COMPLAINT_FORM, Kind.REPORT: REPORT_FORM}

# The wish to file, said as a whole message in one's own words ("想投诉一下", "投述超市", "我要举报他们"), spaces and
# punctuation aside: it starts the form as 投诉 / 举报 do. A message that says what happened is a question for 维权问答
# (its answer offers 投诉 and 举报).
_WHO = r"(这家|那家|他们家|他家|这个|那个)?(超市|商家|店家|饭店|饭馆|商店|商场|店铺|店|老板|卖家|网店|他们|他|她)?"
# ... or typed in toneless pinyin when the phone's input method fails ("wo yao tousu", "jubao"; squeezed, lower case)
_PINYIN_WISH = r"(wo|an)?(yao|xiang|xiangyao|dei)?"
# ... after giving up on an answer or a menu ("算了 我要投诉", "那还是投诉吧", "干脆直接举报")
_RESOLVED = r"(算了|那|那就|那还是|还是|干脆|直接|行吧|好吧|得了)*"
COMPLAINT_PHRASES = re.compile(_RESOLVED + r"(我|俺)?(要|想|想要|得|必须|准备|打算)?(投诉|投述|投拆|头诉)(一下|下)?" + _WHO +
                               r"(吧|啊|呀|了|怎么弄|咋弄)?|" + _PINYIN_WISH + r"(tousu|toushu)(yixia|xia)?")
REPORT_PHRASES = re.compile(_RESOLVED + r"(我|俺)?(要|想|想要|得|必须|准备|打算)?举报(一下|下)?" + _WHO + r"(吧|啊|呀|了|怎么弄|咋弄)?|" +
                            _PINYIN_WISH + r"jubao(yixia|xia)?")
# The wish to file and what happened, in one message ("投诉 东街好运来超市卖过期面包", "我要举报村口小卖部卖假烟"): the
# form starts with the rest as the story. A question about filing ("投诉需要什么材料", "我想投诉 有用吗") is the Q&A's, and
# so is another office's matter ("我要投诉物业乱收费": 住建), as 维权问答 refers it.
_TOLD = {
    Kind.COMPLAINT: re.compile(r"(?:(?:我|俺)?(?:要|想|想要|得)(?:投诉|投述)(?:一下)?|(?:投诉|投述)[\s:：,，]+)(?P<rest>.+)",
                               re.DOTALL),
    Kind.REPORT: re.compile(r"(?:(?:我|俺)?(?:要|想|想要|得)举报(?:一下)?|举报[\s:：,，]+)(?P<rest>.+)", re.DOTALL),
}
_ASKS = re.compile(r"[吗嘛么呢？?不没]\W*$|怎么|咋|如何|能不能|能否|可不可以|可以吗|行吗|行不行|中不中|会不会|有用|管用|多久|多长|"
                   r"哪里|哪儿|什么|啥|是否|需要|要不要|找谁|去哪|有没有|不知道|第一步|匿名|留名|名字|调解|见面")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# ... or only the shop it is about ("我要投诉东街超市", "投诉 城关镇好又多"): its name, kept for the first question
SHOP_ONLY = re.compile(r"(这家|那家|一家|那个|这个)?[^\s，,。！!？?]{0,10}(超市|商店|小卖部|小卖店|便利店|饭店|饭馆|餐馆|餐厅|酒店|宾馆|"
                       r"店|商场|公司|药店|药房|诊所|厂|网店|专卖店|门市|作坊|市场|驾校|健身房|理发店|美容院|4s店|加油站)")
TOLD_MIN = 4                # Han characters of what happened: "投诉 超市" names a shop, not a story
TOLD_KEPT = "您刚才说的情况，同意后会记入“事情经过”，到那一步可以补充。"


def told(text: str, kind: Kind) -> str | None:
    """What happened, when `text` is the wish to file (`kind`) followed by it; None otherwise."""
    found = _TOLD[kind].fullmatch(text.strip())
    if found is None:
        return None
    rest = found.group("rest").strip(" \t:：,，。")
    if len(_HAN.findall(rest)) < TOLD_MIN or len(rest) > STORY_MAX or _ASKS.search(rest):
        return None
    return None if faq.classify(rest).kind is faq.Kind.REFER else rest


COMPLAINT = COMPLAINT_FORM.flow(name="complaint", title="投诉登记", start=start_complaint,
                                before={Step.CONSENT: consent, WISH_OTHER: guarded(take_other_wish)},
                                keys=frozenset({MenuKey.COMPLAINT}), words=frozenset({"投诉", "我要投诉"}),
                                phrases=COMPLAINT_PHRASES, opens=lambda text: told(text, Kind.COMPLAINT) is not None,
                                keeps=frozenset({CONSENTED}), timeout=INTAKE_TIMEOUT)
REPORT = REPORT_FORM.flow(name="report", title="举报登记", start=start_report,
                          before={Step.CONSENT: consent, WISH_OTHER: guarded(take_other_wish)},
                          keys=frozenset({MenuKey.REPORT}), words=frozenset({"举报", "我要举报"}),
                          phrases=REPORT_PHRASES, opens=lambda text: told(text, Kind.REPORT) is not None,
                          keeps=frozenset({CONSENTED}), timeout=INTAKE_TIMEOUT)

ENTRIES = [COMPLAINT, REPORT]
