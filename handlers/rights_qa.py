"""维权问答: the router's fallback. Any text outside a flow (a voice message's recognised text too) is a question.

Confident → the answer, the law it rests on and what we can do next (a line of empathy first when the message
vents); close call → "您是不是想问" with up to three numbered choices, each with a one-line gist (a reply of 1/2/3,
full-width or "第2个", answers); another department's matter → where to go, no law, 人工 still offered; nothing good →
say so, offer 投诉/举报/人工, and the question goes to the staff queue. Greetings, thanks, off-topic, empty, emoji-only,
very long and foreign-script messages get a short friendly reply that says what the bot can do — never a law article.
"""
from __future__ import annotations

import re

from bot.conversation import Command, Turn
from bot.messages import Reply
from handlers import menu
from handlers.menu_keys import MenuKey
from services import bureau, faq
from services.faq import Kind, Talk
from services.faq_snapshot import Entry

EXAMPLES = "“网购衣服不想要了能退吗”“买到过期食品怎么赔”“办的卡店跑路了怎么办”"
INTRO = (
    "维权问答：直接把遇到的问题发给我就行，打字、语音都可以。比如：\n"
    "· 网购衣服不想要了能退吗\n"
    "· 买到过期食品怎么赔\n"
    "· 办的卡店跑路了怎么办\n"
    "· 投诉要准备什么材料\n"
    "我会告诉您法律怎么规定、该怎么做；需要时发“投诉”直接登记。"
)
ANSWER_HEAD = "【{question}】"
EMPATHY = "遇到这种事确实窝火，别着急，我帮您理一理。"
CITATION = "依据：{laws}"
SUGGEST_HEAD = "您是不是想问："
REPICK_HEAD = "没有这个序号哦，请回复下面问题前的数字（1～{count}）："
SUGGEST_LINE = "{n}. {question}（{gist}）"
SUGGEST_TAIL = "回复数字（如“1”）查看答案；都不是的话，换个说法再问，或发“人工”。"
REFER_TAIL = "需要工作人员帮您看看的，发“人工”。"
UNKNOWN = (
    "抱歉，这个问题我还答不好，已经记下您的原话请工作人员补充。您现在可以：\n"
    "· 发“投诉”登记和商家的纠纷，我们在法定期限内答复\n"
    "· 发“举报”反映商家违法行为（可匿名）\n"
    "· 发“人工”转人工客服"
)
GIST_CHARS = 16
# Long law names shortened in the 依据 line (the answer text keeps the full name); keeps it near 60 characters.
SHORT_NAMES = {
    "最高人民法院关于审理预付式消费民事纠纷案件适用法律若干问题的解释": "预付式消费司法解释",
    "最高人民法院关于审理食品药品纠纷案件适用法律若干问题的规定": "食品药品纠纷司法解释",
    "最高人民法院关于审理食品药品惩罚性赔偿纠纷案件适用法律若干问题的解释": "食品药品惩罚性赔偿司法解释",
    "最高人民法院关于审理网络消费纠纷案件适用法律若干问题的规定（一）": "网络消费纠纷规定（一）",
    "最高人民法院关于审理食品安全民事纠纷案件适用法律若干问题的解释（一）": "食品安全民事纠纷司法解释（一）",
}
CAN_DO = "我是消费维权助手，可以回答网购退货、质量问题、食品安全、预付卡、投诉举报等问题，比如" + EXAMPLES + "。"
TALK = {
    Talk.GREETING: "您好！" + CAN_DO + "也可以发“投诉”“举报”“查询”；要找工作人员请发“人工”。",
    Talk.THANKS: "不客气！还有消费方面的问题随时问我。",
    Talk.EMPTY: "没看到文字内容哦。请直接输入您遇到的消费问题，" + CAN_DO,
    Talk.TOO_LONG: "您的消息有点长，我一次看不全。请用一两句话说说遇到的问题；要详细登记情况，请发“投诉”。",
    Talk.FOREIGN: "抱歉，我目前只看得懂中文。请用中文描述您的消费问题，或拨打 12315。",
    Talk.ABOUT_ME: "我是{name}的消费维权助手，是自动回复的机器人。" + CAN_DO.removeprefix("我是消费维权助手，") +
                   "需要工作人员请发“人工”。",
    Talk.OFF_TOPIC: "这个问题我帮不上忙。" + CAN_DO,
    Talk.CLOSING: "好的。以后遇到消费方面的问题，随时发给我；要登记投诉请发“投诉”。",
    Talk.VENT: "遇到这种事确实窝火。请说说买了什么、在哪买的、出了什么问题，我帮您看看怎么维权；也可以发“投诉”登记，"
               "或发“人工”找工作人员。",
    Talk.LINK: "收到您发的链接。请用一两句话说说买的是什么、遇到了什么问题（比如质量不行、不发货、不给退），我来帮您看看；"
               "要登记投诉请发“投诉”。",
}


# A message read through the English glossary (services/faq_english.py) is answered in Chinese, and says so
ENGLISH_HEAD = "我们只能用中文回复。We can only reply in Chinese; here is our reply to what we understood:"


def intro(turn: Turn) -> str:
    """The 维权问答 menu item: how to ask, with examples."""
    return INTRO


def answer(turn: Turn) -> Reply | str:
    """Answer any text nothing else claimed; other message types keep the menu's replies."""
    incoming = turn.incoming
    if incoming.type not in {"text", "voice"} or (incoming.type == "voice" and not incoming.has_text):
        return menu.fallback(turn)
    result = faq.ask(openid=incoming.openid, text=incoming.text, now=turn.now)
    reply = _reply(result)
    return f"{ENGLISH_HEAD}\n{reply}" if result.english else reply


def _reply(result) -> str:
    """The chat message for what the message was found to be: an answer, three choices, a referral, a friendly line."""
    if result.kind is Kind.ANSWER and result.entry is not None:
        return render(result.entry, venting=result.venting)
    if result.kind is Kind.SUGGEST and result.choices:
        lines = [SUGGEST_LINE.format(n=n, question=e.question, gist=gist(e))
                 for n, e in enumerate(result.choices, start=1)]
        head = REPICK_HEAD.format(count=len(lines)) if result.via == "repick" else SUGGEST_HEAD
        return "\n".join([*_empathy(result), head, *lines, SUGGEST_TAIL])
    if result.kind is Kind.REFER and result.referral is not None:
        return "\n".join([result.referral.reply, REFER_TAIL])
    if result.kind is Kind.SMALLTALK and result.talk is not None:
        return TALK[result.talk].format(name=bureau.profile().name)
    return "\n".join([*_empathy(result), UNKNOWN])


def _empathy(result) -> list[str]:
    """The line of empathy an upset story gets first, whatever the reply (an answer, three choices, or 答不好)."""
    return [EMPATHY] if result.venting else []


# Answers about reaching the bureau carry its contact card (address, phone, hours) from the console's settings
WITH_CONTACT = frozenset({"account-contact"})


# A note some service answers carry for their reviewers ("why no article is cited"): never shown to a consumer
REVIEWER_NOTE = re.compile(r"本条是服务说明[，,]?不涉及具体法条[，,]?所以不列条文[。.]?")


def shown_answer(entry: Entry) -> str:
    """The answer as the consumer reads it: the entry's text without notes meant for its reviewers."""
    return REVIEWER_NOTE.sub("", entry.answer.strip()).strip()


def render(entry: Entry, *, venting: bool = False) -> str:
    """One chat message: (empathy,) the question we understood, the answer, the law it rests on, the next step."""
    parts = [EMPATHY] if venting else []
    parts += [ANSWER_HEAD.format(question=entry.question), shown_answer(entry)]
    if entry.citations:
        parts.append(CITATION.format(laws=citation_line(entry.citations)))
    if entry.slug in WITH_CONTACT:           # "你们电话多少": the number itself, not where to find it; the card
        parts.append(menu.contact_card())    # ends with how to reach a person, so it is the next step too
    elif entry.next_step:
        parts.append(entry.next_step)
    return "\n".join(parts)


def citation_line(citations) -> str:
    """《消费者权益保护法》第25条、第55条；《预付式消费司法解释》第15条 — articles grouped by law, long names short."""
    laws: dict[str, list[str]] = {}
    for citation in citations:
        law, _, article = citation.partition("》")
        name = law.lstrip("《")
        laws.setdefault(SHORT_NAMES.get(name, name), []).append(article.strip())
    return "；".join(f"《{name}》" + "、".join(a for a in articles if a) for name, articles in laws.items())


def gist(entry: Entry) -> str:
    """The answer's first clause, cut to GIST_CHARS: enough to tell close choices apart."""
    first = entry.answer.strip().split("\n")[0]
    for stop in "。；;":
        first = first.split(stop)[0]
    return first[:GIST_CHARS] + ("…" if len(first) > GIST_CHARS else "")


ENTRIES = [
    Command(intro, keys=frozenset({MenuKey.QA}), words=frozenset({"维权问答", "问答", "咨询"})),
]
