"""Following one's own cases in chat: 进度/查询 (menu MY_CASES) lists them, 查询 + number shows one, 撤回 + number
withdraws one not yet accepted, 评价 rates a closed one 1–5 with an optional comment.

A follower only ever sees their own cases: another's number answers exactly like a number that does not exist.
"""
from __future__ import annotations

import re
from datetime import timedelta

from bot.conversation import Command, Flow, Turn, squeeze
from bot.messages import Reply
from bot.numbers import parse_choice
from handlers.menu_keys import MenuKey
from models.complaint import Case, Kind, Status
from services import DomainError, case_flow, complaints
from services.clock import plain_date, to_china

NONE_YET = "您还没有提交过投诉或举报。发送“投诉”或“举报”即可开始登记。"
LIST_HEAD = "您的案件（最近 {n} 件）：\n{lines}\n\n回复序号或“查询 编号”查看详情。"
LINE = "{i}. {number} {kind} · {status}{next}"
DETAIL = "编号：{number}（{kind}）\n对象：{business}\n状态：{status}{next}\n提交时间：{received}{history}{extra}"
HISTORY = "\n\n办理记录：\n{lines}"
NEXT = {
    (Kind.COMPLAINT, Status.SUBMITTED): "，{date}前告知是否受理",
    (Kind.COMPLAINT, Status.ACCEPTED): "，预计{date}前调解完毕",
    (Kind.COMPLAINT, Status.PAUSED): "，检测鉴定期间暂停计时",
    (Kind.REPORT, Status.SUBMITTED): "，{date}前决定是否立案",
}
CLOSED_ON = "，{date}办结"
RATE_HINT = "\n\n发送“评价”为这次办理打分。"
WITHDRAW_HINT = "\n\n受理前可发送“撤回 {number}”撤回。"
WITHDRAW_HOW = "请发送“撤回 编号”，例如“撤回 {number}”。可以撤回的案件：\n{lines}"
NOTHING_TO_WITHDRAW = "您没有可以撤回的案件（已受理或已办结的案件不能撤回）。"
WITHDRAWN = "案件 {number} 已撤回。如有需要，可以随时重新投诉。"
ASK_WITHDRAW = "确定要撤回案件 {number}（{business}）吗？撤回后我们将不再处理。\n回复“确认撤回”撤回；回复其他内容则不撤回。"
KEPT = "好的，案件 {number} 没有撤回，我们会继续处理。"
WITHDRAW_YES = frozenset({"确认撤回", "确认", "确定", "是", "撤回"})
# Yes to "确定要撤回吗", in one's own words ("是的", "嗯", "撤吧"), spaces and punctuation aside
SAYS_YES = re.compile(r"(是的?|对|嗯+|好的?|行|可以|确定|确认|撤|撤回|撤了|撤销)(撤回|撤销)?[了吧啊呀的]*")
# One's own cases asked about in words ("查一下俺的投诉咋样了", "我的投诉有结果了吗", "俺上次那个举报有人管没")
MY_CASES = re.compile(r"(我|俺)(的|家|们|上次|刚才|之前|前几天|那个)*(投诉|举报|案子|案件)(的)?(咋样|怎么样|有结果|有消息|受理|有人管|"
                      r"处理|进度|到哪|啥情况|什么情况|办得|办了|编号)")
# Withdrawing in words ("我要撤回投诉", "撤回我的投诉", "把投诉撤了")
WITHDRAW_PHRASES = re.compile(r"(我|俺)?(要|想|想要)?(撤回|撤销|撤掉)(我的|俺的)?(那个|刚才的|上次的)?(投诉|举报|案件)?(吧|了)?|"
                              r"(把|我把)?(投诉|举报)(撤回|撤销|撤了|撤掉)(吧|了)?")
CHOOSE_WITHDRAW = "要撤回哪一件？回复前面的数字：\n{lines}"
NOTHING_TO_RATE = "您目前没有待评价的已办结案件。"
PICK_CASE = "请回复要评价的案件序号：\n{lines}"
BAD_PICK = "请回复上面列出的序号。"
ASK_SCORE = "请为案件 {number} 的办理打分，回复数字：\n5 非常满意\n4 满意\n3 基本满意\n2 不满意\n1 非常不满意"
ASK_COMMENT = "还有什么想说的吗？直接输入您的意见；没有请回复“跳过”。"
SKIP = {"跳过", "没有", "无"}
RATED = "感谢您的评价（{label}）！"
REVIEW_OPENED = "我们已将案件转交部门负责人复核，会尽快与您联系。"


def _next(case: Case) -> str:
    if case.closed_at is not None:
        return CLOSED_ON.format(date=plain_date(to_china(case.closed_at).date()))
    template = NEXT.get((Kind(case.kind), Status(case.status)), "")
    return template.format(date=plain_date(case.due_on)) if case.due_on else template.split("，{date}")[0]


def show_cases(turn: Turn) -> Reply | str:
    """List the follower's own cases (a number picks one, `bot.choices`), or show one when the text carries a case
    number."""
    openid = turn.incoming.openid
    match = complaints.NUMBER_RE.search(turn.text.upper()) if turn.incoming.has_text else None
    if match:
        try:
            return detail(complaints.own(openid=openid, number=match.group(0)))
        except DomainError as err:
            return err.message
    cases = complaints.mine(openid=openid)
    if not cases:
        return NONE_YET
    lines = [LINE.format(i=i, number=c.number, kind=c.kind_label, status=case_flow.status_label(c), next=_next(c))
             for i, c in enumerate(cases, 1)]
    return Reply(text=LIST_HEAD.format(n=len(cases), lines="\n".join(lines)),
                 choices=[f"查询 {c.number}" for c in cases])


def detail(case: Case) -> str:
    events = [e for e in complaints.visible_events(case.id)][-5:]
    history = HISTORY.format(lines="\n".join(
        f"{to_china(e.at):%m-%d} {e.text or case_flow.status_label(case, e.to_status)}" for e in events)) \
        if events else ""
    extra = ""
    if case.status in complaints.RATABLE and case in complaints.ratable(openid=case.openid):
        extra = RATE_HINT
    elif case.status in complaints.WITHDRAWABLE:
        extra = WITHDRAW_HINT.format(number=case.number)
    return DETAIL.format(number=case.number, kind=case.kind_label, business=case.business_name,
                         status=case_flow.status_label(case), next=_next(case),
                         received=f"{to_china(case.received_at):%Y-%m-%d %H:%M}", history=history, extra=extra)


def start_withdraw(turn: Turn) -> Reply:
    """撤回 + number: say why it cannot be withdrawn, or ask to confirm; 撤回 alone lists what can be withdrawn."""
    openid = turn.incoming.openid
    match = complaints.NUMBER_RE.search(turn.text.upper())
    if match:
        try:
            case = complaints.withdrawable(openid=openid, number=match.group(0))
        except DomainError as err:        # not theirs, or not withdrawable: the real reason
            return turn.end(err.message)
        turn.data["number"] = case.number
        return turn.goto("confirm", ASK_WITHDRAW.format(number=case.number, business=case.business_name))
    open_cases = [c for c in complaints.mine(openid=openid, limit=50) if c.status in complaints.WITHDRAWABLE]
    if not open_cases:
        return turn.end(NOTHING_TO_WITHDRAW)
    if len(open_cases) == 1:                # the only one that can be: ask about it
        case = open_cases[0]
        turn.data["number"] = case.number
        return turn.goto("confirm", ASK_WITHDRAW.format(number=case.number, business=case.business_name))
    turn.data["numbers"] = [c.number for c in open_cases]
    lines = "\n".join(f"{n}. {c.number} {c.kind_label} {c.business_name}" for n, c in enumerate(open_cases, 1))
    return turn.goto("choose", CHOOSE_WITHDRAW.format(lines=lines))


def choose_withdraw(turn: Turn) -> Reply:
    """Which of several cases: its number in the list, or its case number; anything else withdraws nothing."""
    numbers = turn.data["numbers"]
    match = complaints.NUMBER_RE.search(turn.text.upper())
    n = parse_choice(turn.text)
    number = match.group(0) if match else numbers[n - 1] if n is not None and 1 <= n <= len(numbers) else None
    if number is None:
        return turn.end(WITHDRAW_HOW.format(number=numbers[0], lines="\n".join(numbers)))
    try:
        case = complaints.withdrawable(openid=turn.incoming.openid, number=number)
    except DomainError as err:
        return turn.end(err.message)
    turn.data["number"] = case.number
    return turn.goto("confirm", ASK_WITHDRAW.format(number=case.number, business=case.business_name))


def confirm_withdraw(turn: Turn) -> Reply:
    """确认撤回 (or a plain yes: "是的", "嗯") withdraws the case (if it still may be); anything else keeps it."""
    number = turn.data["number"]
    if turn.text not in WITHDRAW_YES and SAYS_YES.fullmatch(squeeze(turn.text)) is None:
        return turn.end(KEPT.format(number=number))
    try:
        case = complaints.withdraw(openid=turn.incoming.openid, number=number, now=turn.now)
    except DomainError as err:            # accepted meanwhile: the real reason
        return turn.end(err.message)
    return turn.end(WITHDRAWN.format(number=case.number))


WITHDRAW = Flow(name="withdraw", title="撤回案件", start=start_withdraw,
                steps={"choose": choose_withdraw, "confirm": confirm_withdraw},
                words=frozenset({"撤回"}), prefixes=("撤回",), phrases=WITHDRAW_PHRASES, timeout=timedelta(minutes=10))


# --- rating -------------------------------------------------------------------------------------------------------

def start_rating(turn: Turn) -> Reply:
    """Find the follower's closed, unrated cases: none ends, one asks the score, several ask which."""
    cases = complaints.ratable(openid=turn.incoming.openid)
    if not cases:
        return turn.end(NOTHING_TO_RATE)
    if len(cases) == 1:
        turn.data["number"] = cases[0].number
        return turn.goto("score", ASK_SCORE.format(number=cases[0].number))
    turn.data["choices"] = [c.number for c in cases[:9]]
    lines = "\n".join(f"{i}. {c.number} {c.business_name}" for i, c in enumerate(cases[:9], 1))
    return turn.goto("pick", PICK_CASE.format(lines=lines))


def pick(turn: Turn) -> Reply:
    """Store which case is rated and ask the score."""
    choices = turn.data["choices"]
    n = parse_choice(turn.text)
    if n is None or not 1 <= n <= len(choices):
        return turn.stay(BAD_PICK)
    turn.data["number"] = choices[n - 1]
    return turn.goto("score", ASK_SCORE.format(number=turn.data["number"]))


def score(turn: Turn) -> Reply:
    """Store the score 1–5 and ask for a comment."""
    n = parse_choice(turn.text)
    if n is None or not 1 <= n <= 5:
        return turn.stay(complaints.BAD_SCORE)
    turn.data["score"] = n
    return turn.goto("comment", ASK_COMMENT)


def comment(turn: Turn) -> Reply:
    """Record the rating with the comment (or none); a poor one opens a 复核 and says so."""
    text = "" if turn.text in SKIP else turn.text[:500]
    try:
        rating = complaints.rate(openid=turn.incoming.openid, number=turn.data["number"], score=turn.data["score"],
                                 comment=text, now=turn.now)
    except DomainError as err:
        return turn.end(err.message)
    answer = RATED.format(label=complaints.RATINGS[rating.score])
    if rating.score <= complaints.REVIEW_AT_OR_BELOW:
        answer += REVIEW_OPENED
    return turn.end(answer)


RATE = Flow(name="rate", title="办理评价", start=start_rating, steps={"pick": pick, "score": score,
                                                                    "comment": comment},
            words=frozenset({"评价", "我要评价"}), free_text=frozenset({"comment"}))

ENTRIES = [
    # A case number alone, or after 查询/进度; other text starting with 查询 is left to the Q&A.
    Command(show_cases, keys=frozenset({MenuKey.MY_CASES}), words=frozenset({"查询", "进度", "进度查询", "我的案件"}),
            phrases=MY_CASES,
            prefixes=tuple(f"{lead}{p}" for lead in ("查询", "查询 ", "进度", "进度 ", "")
                           for p in ("TS2", "JB2", "ts2", "jb2"))),
    WITHDRAW,
    RATE,
]
