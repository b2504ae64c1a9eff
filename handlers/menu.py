"""Follow, unfollow, scan, contact details, 转人工 and the custom menu itself (the contract's keys).

A follow or scan through a parametric QR code is greeted by the scene's Chinese label (`services.scenes`, named by
staff in the console), never its key; a scene may go on into a form (a market's complaint form with the business
filled in) or the poll.
"""
from __future__ import annotations

from bot.conversation import Command, Turn
from bot.messages import Reply
from handlers import complaint
from handlers.menu_keys import MenuKey
from models.complaint import Kind
from models.scene import SceneAction
from services import bureau, followers, scenes

WELCOME = (
    "您好，欢迎关注{name}！这里是您身边的消费维权服务窗口：\n"
    "· 维权问答：直接发问题，如“网购衣服不想要了能退吗”\n"
    "· 我要投诉 / 我要举报：发“投诉”或“举报”，按提示一步步填写\n"
    "· 进度查询：发“查询”看您的案件进展\n"
    "· 你点我检：发“投票”选出您最想抽检的食品\n"
    "· 消费警示：发“警示”看最新提醒\n"
    "也可以点下方菜单。紧急情况请拨打 12315。"
)
SCAN_WELCOME = "欢迎回来！{scene}需要维权帮助请直接发问题，或点下方菜单。"
SCAN_WELCOME_FORM = "欢迎回来！{scene}"
SCENE = "您扫描的是「{label}」的二维码。"
CONTACT = ("{name}\n地址：{address}\n电话：{phone}\n办公时间：{hours}\n全国投诉举报热线：{hotline}\n"
           "在这里找工作人员，请发“人工”。")
TRANSFER_CLOSED = (
    "现在不是人工服务时间（{hours}）。您可以直接留言说明情况，工作人员上班后会看到；"
    "也可以发“投诉”登记，我们会在法定期限内答复。紧急情况请拨打 {hotline}。"
)
# The help's items: what is shown, and the word its number stands for (bot/choices.py).
HELP_ITEMS = (
    ("维权问答：直接发您遇到的问题", "维权问答"),
    ("投诉：发“投诉”", "投诉"),
    ("举报：发“举报”", "举报"),
    ("查进度：发“查询”", "查询"),
    ("你点我检：发“投票”", "投票"),
    ("消费警示：发“警示”", "警示"),
    ("联系我们 / 转人工：发“人工”", "人工"),
)
HELP_PLAIN = "我可以帮您：\n" + "\n".join(f"{i}. {shown}" for i, (shown, _) in enumerate(HELP_ITEMS, 1))
HELP = HELP_PLAIN + "\n回复序号也可以，如“2”开始投诉。"
NOT_HEARD = "抱歉，这条语音没听清。请再说一遍，或者直接打字告诉我您遇到的问题。"
MEDIA_RECEIVED = "收到您的{kind}。如需投诉或举报，请先发“投诉”或“举报”，再按提示上传照片作为证据。"
LOCATION_RECEIVED = "收到您的位置（{label}）。如需投诉该处商家，请发“投诉”开始登记。"

# WeChat: ≤3 top-level buttons, ≤5 items each (menu doc). Keys are part of the runtime contract (DESIGN §3).
DEFAULT_MENU = {
    "button": [
        {"name": "维权服务", "sub_button": [
            {"type": "click", "name": "维权问答", "key": MenuKey.QA},
            {"type": "click", "name": "我要投诉", "key": MenuKey.COMPLAINT},
            {"type": "click", "name": "我要举报", "key": MenuKey.REPORT},
            {"type": "click", "name": "进度查询", "key": MenuKey.MY_CASES},
        ]},
        {"name": "你点我检", "sub_button": [
            {"type": "click", "name": "参与投票", "key": MenuKey.POLL},
            {"type": "click", "name": "抽检结果", "key": MenuKey.RESULTS},
        ]},
        {"name": "消费警示", "sub_button": [
            {"type": "click", "name": "最新警示", "key": MenuKey.WARNINGS},
            {"type": "click", "name": "典型案例", "key": MenuKey.CASES},
            {"type": "click", "name": "联系我们", "key": MenuKey.CONTACT},
        ]},
    ]
}


def welcome(turn: Turn) -> str:
    """Record the follow (and its QR scene), say what the account does, and go on as the scene says."""
    if followers.subscribe_or_queue(openid=turn.incoming.openid, now=turn.now, scene=turn.incoming.key or None) is None:
        return WELCOME.format(name=bureau.Profile().name)     # database down: the follow is queued
    text = WELCOME.format(name=bureau.profile().name)
    scene = _scene(turn)
    return f"{text}\n\n{SCENE.format(label=scene.label)}" if scene is not None else text


def scanned(turn: Turn) -> str:
    """An existing follower scanned a parametric QR code: its label (never the key), and what it starts."""
    if followers.subscribe_or_queue(openid=turn.incoming.openid, now=turn.now, scene=turn.incoming.key or None) is None:
        return SCAN_WELCOME.format(scene="")       # database down: the scan is queued, the scene cannot be read
    scene = _scene(turn)
    if scene is None:
        return SCAN_WELCOME.format(scene="")
    line = SCENE.format(label=scene.label)
    return (SCAN_WELCOME if turn.starts is None else SCAN_WELCOME_FORM).format(scene=line)


def _scene(turn: Turn):
    """The scanned scene (staff-named and switched on), after asking the flow engine to go on into what it starts."""
    scene = scenes.find(turn.incoming.key)
    if scene is None:
        return None
    action = SceneAction(scene.action)
    if action in scenes.FORMS:
        kind = Kind.COMPLAINT if action is SceneAction.COMPLAINT else Kind.REPORT
        turn.start(str(action), complaint.prefilled(kind, business_name=scene.business_name,
                                                    business_address=scene.business_address))
    elif action is not SceneAction.GREET:          # the poll, the survey: the flow of that name, from its start
        turn.start(str(action))
    return scene


def left(turn: Turn) -> None:
    """Mark the follower gone and erase their personal data (filed cases excepted); WeChat shows nothing."""
    followers.unsubscribe_or_queue(openid=turn.incoming.openid, now=turn.now)
    return None


def contact(turn: Turn) -> str:
    return contact_card()


def contact_card() -> str:
    """The bureau's name, address, phone, office hours and the 12315 hotline, from the console's settings."""
    prof = bureau.profile()
    return CONTACT.format(name=prof.name, address=prof.address, phone=prof.phone, hours=prof.hours_text(),
                          hotline=prof.hotline)


def transfer(turn: Turn) -> Reply:
    """WeChat's own 客服 transfer in office hours (when the bureau's inbox settings choose it; `handlers.handover`
    owns the 人工 words); otherwise say when staff are there and offer a message."""
    prof = bureau.profile()
    if bureau.in_office_hours(turn.now, prof):
        return Reply(transfer=True)
    return Reply(text=TRANSFER_CLOSED.format(hours=prof.hours_text(), hotline=prof.hotline))


def help_text(turn: Turn) -> Reply:
    """The numbered help; the next message may answer it by number — unless a form step waiting behind it reads
    numbers itself."""
    if turn.reads_numbers:
        return Reply(text=HELP_PLAIN)
    return Reply(text=HELP, choices=[word for _, word in HELP_ITEMS])


def media(turn: Turn) -> str:
    """Pictures and the like outside a form: how to attach them to a case. A voice message WeChat could not
    recognise (empty Recognition) is told so."""
    if turn.incoming.type == "voice" and not turn.incoming.has_text:
        return NOT_HEARD
    kind = {"image": "图片", "voice": "语音", "video": "视频", "shortvideo": "小视频", "link": "链接"}
    return MEDIA_RECEIVED.format(kind=kind.get(turn.incoming.type, "消息"))


def location(turn: Turn) -> str:
    return LOCATION_RECEIVED.format(label=turn.incoming.label or "未命名地点")


def fallback(turn: Turn) -> str:
    """Text nothing else claimed: explain what the account can do (the Q&A feature replaces this)."""
    if turn.incoming.type in {"image", "voice", "video", "shortvideo", "link"}:
        return media(turn)
    if turn.incoming.type == "location":
        return location(turn)
    return help_text(turn)


ENTRIES = [
    Command(welcome, events=frozenset({"subscribe"})),
    Command(scanned, events=frozenset({"scan"})),
    Command(left, events=frozenset({"unsubscribe"})),
    Command(contact, keys=frozenset({MenuKey.CONTACT}), words=frozenset({"联系我们", "联系方式", "电话", "地址"})),
    Command(help_text, words=frozenset({"帮助", "菜单", "help", "?", "？"})),
]
