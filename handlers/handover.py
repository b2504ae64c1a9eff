"""人工值守 in the chat: 人工 opens the follower's inbox thread and hands them over to staff; bound staff members'
own WeChat (never a consumer) and the QR scans that bind it.

Listed first in `handlers.FEATURES`. The hand-over is a conversation flow, so the router's one Redis read per
message (`bot.inbox.claim`) already says whether a follower is handed over: the check costs nothing extra. While
handed over, free text goes to the thread and the bot stays quiet (off duty, when nobody reads it yet, each message is
acknowledged and a clear question answered meanwhile); "算了不用了" ends it as 结束人工 does; one-shot commands (查询, 警示, 联系我们…) still
answer; form flows (投诉, 举报, 投票) ask to end the hand-over first; `结束人工`, staff resolving the thread, or
staff silence (setting) hands back with a line saying so. A menu tap clears any flow state in the router, so taps
pass through `tap` here, which reads the hand-over marker (`keys.handover`) and keeps the hand-over.
"""
from __future__ import annotations

import re
import sys
from datetime import timedelta

from bot import conversation
from bot.conversation import Command, Flow, Turn, squeeze
from bot.messages import Incoming, Reply
from handlers import interruptions, menu
from services import DomainError, bureau, duty, followers, inbox, inbox_convert, keys, staff_binding
from services.clock import to_china

REQUEST_WORDS = frozenset({"人工", "转人工", "人工客服", "客服", "人工服务"})
# A person asked for in a whole message, as people type it ("人呢 我要找人工", "能转人工不", "有人工吗", "我要跟真人说"):
# read with spaces and punctuation removed. A question about something else that mentions 人工 is not one.
REQUEST_PHRASES = re.compile(
    r"(人呢|有人吗|有人没|有人不|在吗|在不在|喂|你好|您好|哎)*"
    r"(我|俺)?(要|想|想要|需要|请|麻烦|帮我|给我|快)?(找|转|接|联系|叫|换)?(个|一个|一下)?"
    r"(人工|真人|活人|人工客服|客服|工作人员)(客服|服务)?(吧|啊|呀|呢|行不|行吗|可以吗|好吗|好不好|在吗|在不在)?|"
    r"(能|可以|能不能|可不可以)(帮我)?(转|找|接|换)(个|一下)?(人工|真人|客服|工作人员)(吗|不|么|没|不能|不可以)?|"
    r"有(没有)?(人工|真人|客服)(吗|没|不|没有|么)?|"
    r"(我|俺)?(要|想)?(跟|和|找)(个|一个)?(真人|人工|工作人员|活人)(说|聊|说话|聊聊|谈)?(吧|啊)?|"
    # "叫个工作人员来", "我要找你们领导"
    r"(叫|喊|来)(个|一个)?(工作人员|人工|真人|客服|管事的|负责人)(来|过来)?(吧|啊|呀)?|"
    r"(我|俺)?(要|想)?找(你们|您们)?的?(领导|负责人|管事的|主任|局长)(说|谈|聊)?(吧|啊)?|"
    r"(我|俺)?不(想|要)(跟|和)(机器人?|你)(说|聊)了?(我|俺)?(要|想)?(找|转)?(人工|真人)?")
# "人工 我想问下预付卡的事": the word, then what it is about (kept in the thread for staff)
REQUEST_LEAD = re.compile(r"^(转)?人工(客服|服务)?[\s,，:：。!！]+\S")
END_WORDS = frozenset({"结束人工", "退出人工", "结束"})
# Not needing the person any more, in one's own words ("算了不用了", "好了没事了", "拜拜"), the whole message
ENDING = re.compile(r"(算了|好了|那|那就)?(不用了|不需要了|没事了|没事儿了|不找了|不用人工了|不等了|解决了|问题解决了)(谢谢|谢谢了|谢了)?(吧|啊)?|"
                    r"(谢谢)?(拜拜|再见|88)(了|啦)?")
CONVERT_WORDS = frozenset({"同意", "确认"})           # a staff-prefilled complaint waits for these (转为投诉)
MENU_KEYS = frozenset(i["key"] for b in menu.DEFAULT_MENU["button"] for i in b.get("sub_button", []) if "key" in i)

ON_DUTY = ("已为您转人工服务。现在有工作人员值班，一般会在{minutes}分钟内（{by}前）回复您。\n"
           "请直接发送您的问题，可以分几条发。发“结束人工”可回到智能问答。")
OFF_DUTY = ("现在没有工作人员值班，下一次值班从{when}开始，届时会尽快回复您。\n"
            "请直接留言说明情况（可以分几条发），留言会完整转给工作人员。发“结束人工”可回到智能问答；"
            "紧急情况请拨打 {hotline}。")
NO_DUTY_PLANNED = ("现在没有工作人员值班。请直接留言说明情况，工作人员上班后会回复您。"
                   "发“结束人工”可回到智能问答；紧急情况请拨打 {hotline}。")
RECEIVED = "已转给工作人员，请稍候。"
LEFT = "已收到您的留言，工作人员值班时会回复您。"
LEFT_MORE = "已记下，工作人员值班时会一并回复。发“结束人工”可以先问智能助手。"
LEFT_ANSWER = "（您的留言已转给工作人员，值班时会回复您；发“结束人工”可以继续问智能助手。）"
ALREADY = "您已在人工服务中，请直接发送您的问题。发“结束人工”可回到智能问答。"
NOT_HANDED_OVER = "您现在没有在和工作人员沟通，有问题直接发给我就行；需要工作人员请发“人工”。"
ENDED = "已结束人工服务，接下来由智能助手为您服务。需要时再发“人工”。"
HANDED_BACK = "工作人员{minutes}分钟没有回复，先由智能助手为您服务；您的留言工作人员仍会看到并回复。需要时再发“人工”。"
FORM_DURING = ("您正在与工作人员沟通。要开始「{title}」，请先发“结束人工”，再点菜单或发关键词；"
               "也可以直接把情况告诉工作人员，工作人员可以帮您转为投诉。")
STAFF_HELLO = ("您好，{name}。这个微信已绑定工作台账号，值班提醒会发到这里；您在这里发的消息不会作为消费者留言。"
               "现在有 {n} 个对话等待回复，请到工作台「消息」处理。")
BOUND = "绑定成功！{name}，之后的值班和超时提醒会发到这个微信。可在工作台「我的微信」解绑。"
KINDS = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "shortvideo": "[小视频]", "location": "[位置]",
         "link": "[链接]"}


def _when(moment) -> str:
    local = to_china(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def request(turn: Turn) -> Reply:
    """人工: say whether someone is on duty and by when a reply can be expected; open the thread; hand over."""
    settings = inbox.settings()
    if settings.wechat_kf and bureau.in_office_hours(turn.now):
        return turn.end(menu.transfer(turn))       # the bureau answers in WeChat's own 客服 tool
    covered, _ = duty.on_duty(turn.now)
    hotline = bureau.profile().hotline
    if covered:
        text = ON_DUTY.format(minutes=settings.sla_minutes, by=_when(turn.now + timedelta(minutes=settings.sla_minutes)))
    else:
        start = duty.next_start(turn.now)
        text = OFF_DUTY.format(when=_when(start), hotline=hotline) if start else NO_DUTY_PLANNED.format(hotline=hotline)
    inbox.request_human(openid=turn.incoming.openid, now=turn.now, text=turn.text or "人工", bot_reply=text)
    return turn.goto("talk", text)


def talk(turn: Turn) -> Reply:
    """A message while handed over: commands answer, free text goes to the thread (acknowledged once)."""
    incoming, text = turn.incoming, turn.text
    thread = inbox.thread_of(incoming.openid)
    if text in END_WORDS or ENDING.fullmatch(squeeze(text)):
        if thread is not None and thread.handover:
            inbox.end_handover(thread=thread, now=turn.now, line=ENDED)
        return turn.end(ENDED)
    if text in REQUEST_WORDS:
        return turn.stay(ALREADY)
    converted = _convert(turn, thread)
    if converted is not None:
        return turn.stay(converted)
    other = _other_entry(incoming)
    if isinstance(other, Flow):
        return turn.stay(FORM_DURING.format(title=other.title))
    if isinstance(other, Command):
        return turn.stay(Reply.of(other.run(turn)))
    if thread is None or not thread.handover:               # staff resolved it meanwhile
        return turn.end(_bot(turn))
    settings = inbox.settings()
    said = text or KINDS.get(incoming.type, "[消息]") + (f" {incoming.pic_url}" if incoming.pic_url else "")
    if inbox.handback_due(thread, turn.now, settings.handback_minutes):
        line = HANDED_BACK.format(minutes=settings.handback_minutes)
        inbox.note_message(openid=incoming.openid, text=said, now=turn.now)
        inbox.end_handover(thread=thread, now=turn.now, line=line)
        answer = _bot(turn)
        return turn.end(Reply(text=f"{line}\n\n{answer.text}".strip(), articles=answer.articles,
                              followups=answer.followups))
    covered, _ = duty.on_duty(turn.now)
    if not covered:             # the bot's answer meanwhile is kept in the thread, so staff see what was said
        reply, answered = _left(turn)
        inbox.note_message(openid=incoming.openid, text=said, now=turn.now, offhours=True,
                           bot_reply=reply.text if answered else "")
        return reply
    inbox.note_message(openid=incoming.openid, text=said, now=turn.now)
    if turn.data.get("acked"):
        return turn.stay(None)                               # staff are talking with them: the bot keeps quiet
    turn.data["acked"] = True
    return turn.stay(RECEIVED)


def _left(turn: Turn) -> tuple[Reply, bool]:
    """Off duty, nobody reads the thread yet: a clear consumer question is answered by the bot meanwhile (True: an
    answer, kept in the thread), and other messages are acknowledged, each of them (briefly after the first): never
    met with silence."""
    if turn.incoming.has_text:
        seen = interruptions.aside(turn)
        if seen.answer is not None:
            answer = Reply.of(seen.answer)
            answer.text = f"{answer.text}\n\n{LEFT_ANSWER}"
            return turn.stay(answer), True
    if turn.data.get("left"):
        return turn.stay(LEFT_MORE), False
    turn.data["left"] = True
    return turn.stay(LEFT), False


def _convert(turn: Turn, thread) -> str | None:
    """同意 / 确认 to a complaint staff prefilled (转为投诉); None when no draft waits or the word is another."""
    if turn.text not in CONVERT_WORDS or thread is None or not thread.draft:
        return None
    if turn.text == "同意":
        return inbox_convert.consent(thread=thread, now=turn.now)
    try:
        case = inbox_convert.confirm(thread=thread, now=turn.now)
    except DomainError as err:
        return err.message
    return inbox_convert.FILED.format(number=case.number)


def agree(turn: Turn) -> Reply | str:
    """同意 / 确认 outside a hand-over: a waiting 转为投诉 draft, else the bot's usual answer."""
    answer = _convert(turn, inbox.thread_of(turn.incoming.openid))
    return answer if answer is not None else _bot(turn)


def _bot(turn: Turn) -> Reply:
    """What the router would answer: a form's stray word is told so (`conversation.stray`), else the fallback."""
    import handlers
    return conversation.stray(turn.incoming) or Reply.of(handlers.FALLBACK(turn))


def _other_entry(incoming: Incoming) -> Flow | Command | None:
    """The entry another feature would run for `incoming` (the router's order), or None."""
    import handlers
    me = sys.modules[__name__]
    for feature in handlers.FEATURES:
        if feature is me:
            continue
        for entry in feature.ENTRIES:
            if isinstance(entry, Flow) and entry.enters_on(incoming):
                return entry
            if isinstance(entry, Command) and entry.matches(incoming):
                return entry
    return None


def tap(turn: Turn) -> Reply | str | None:
    """A menu tap: run what the tap means; while handed over keep the hand-over (a form asks to end it first)."""
    incoming = turn.incoming
    held = inbox.handed_over(incoming.openid)
    other = _other_entry(incoming)
    if other is None:
        return None
    if not held:
        if isinstance(other, Flow):
            return conversation.begin(other, incoming, now=turn.now, services=turn.services)
        return other.run(turn)
    reply = FORM_DURING.format(title=other.title) if isinstance(other, Flow) else Reply.of(other.run(turn))
    conversation.save(incoming.openid, HANDOVER, Turn(incoming=incoming, now=turn.now, data={"acked": True},
                                                      step="talk"))
    return reply


def bind(turn: Turn) -> str:
    """A staff member scanned their one-time binding QR code (SCAN, or subscribe when not yet following)."""
    incoming = turn.incoming
    if incoming.event == "subscribe":
        # the follow counts; the secret scene is not kept
        followers.subscribe_or_queue(openid=incoming.openid, now=turn.now)
    try:
        person = staff_binding.bind(scene=incoming.key, openid=incoming.openid, now=turn.now)
    except DomainError as err:
        return err.message
    return BOUND.format(name=person.name)


def staff_message(turn: Turn) -> str:
    """A bound staff member wrote to the account: not a consumer; point them at the console."""
    person = staff_binding.staff_for(turn.incoming.openid)
    from services import inbox_queries
    return STAFF_HELLO.format(name=person.name if person else "", n=inbox_queries.unread())


class _BindScan(Command):
    def matches(self, incoming: Incoming) -> bool:
        return incoming.is_event and incoming.event in {"scan", "subscribe"} and \
            staff_binding.is_bind_scene(incoming.key)


class _FromStaff(Command):
    def matches(self, incoming: Incoming) -> bool:
        if incoming.is_event and incoming.event != "click":
            return False                                     # follows, unfollows and scans behave as for anyone
        return staff_binding.is_staff(incoming.openid)


HANDOVER = Flow(name=inbox.HANDOVER_FLOW, title="人工服务", start=request, steps={"talk": talk},
                words=REQUEST_WORDS, phrases=REQUEST_PHRASES, opens=lambda text: REQUEST_LEAD.match(text) is not None,
                timeout=timedelta(seconds=keys.HANDOVER_TTL),
                cancel_words=frozenset(),
                forgiving=False)          # talk() itself decides what reaches staff (bot.conversation's rules)

ENTRIES = [
    _BindScan(bind),
    _FromStaff(staff_message),
    HANDOVER,
    Command(tap, keys=MENU_KEYS),
    Command(agree, words=CONVERT_WORDS),
    Command(lambda turn: NOT_HANDED_OVER, words=frozenset({"结束人工", "退出人工"})),   # not handed over: say so
]
