"""你点我检 in chat: vote in the open poll (menu POLL, 你点我检, 投票) and look up sampling results (RESULTS, 抽检结果).

The vote is a Flow: each question with numbered options → (其他建议) → a summary to 确认 or 修改 (redo one
question, then back to the summary). The questions come from the poll in the database, so they are not a static
`bot.form` table, but they follow its rules: numbered, answerable by number in any form (`1 3 5`, `1、3`, `①③`,
full-width digits; `bot.numbers`), out-of-range re-asked, and where the vote stands is told when it is interrupted.
Nothing is stored until 确认; the ballot itself is made exactly once by services.ballots (a DB unique constraint),
so a confirm WeChat re-sends counts once.
"""
from __future__ import annotations

from datetime import timedelta

from bot.conversation import Command, Flow, Progress, Turn
from bot.messages import Reply
from bot.numbers import parse_choice, parse_labels, parse_numbers
from handlers.menu_keys import MenuKey
from models.poll import Poll, Question
from services import DomainError, ballots, disposals, followers, polls, sampling

NO_POLL = "目前没有正在进行的“你点我检”投票。往期抽检结果请发“抽检结果”查看。"
ALREADY_VOTED = "您已于{when}参与「{title}」投票，每人限投一次，感谢支持！抽检结果公布后会告诉您。"
INTRO = "【{title}】\n{description}"
QUESTION = "第{n}题（共{total}题）：{text}（最多选{max}项）\n{options}\n请回复选项编号，多个用空格或逗号隔开，如：{example}\n回复“取消”退出。"
NOT_NUMBERS = "请回复选项前面的数字或选项名称，多个用空格或逗号隔开。"
OUT_OF_RANGE = "没有第{bad}项，请在1到{count}之间选择。"
TOO_MANY = "这一题最多选{max}项，您选了{count}项，请重新选择。"
ASK_SUGGESTION = "其他建议（选填）：您还希望我们抽检哪些食品或场所？直接回复文字；没有请回复“无”。"
SUGGESTION_TOO_LONG = "其他建议请控制在{max}字以内，请精简后再发；没有请回复“无”。"
SUMMARY = "请确认您的选择：\n{lines}\n回复“确认”提交（提交后不能修改），回复“修改”重选某一题，回复“取消”放弃。"
EDIT_ASK = "要重选哪一题？回复数字：\n{lines}"
EDIT_LINE = "{n}. {text}"
EDIT_BAD = "请回复 1 到 {count} 之间的数字。"
SUGGESTION_LABEL = "其他建议"
NOUN = "投票"
SUMMARY_LINE = "{text}：{picked}"
SUGGESTION_LINE = "其他建议：{text}"
ASK_CONFIRM = "请回复“确认”提交投票，“修改”重选某一题，或回复“取消”放弃。"
THANKS = "投票成功！感谢您参与「{title}」。投票于{closes}结束；抽检结果公布后，我们会把您所选项目的检验结果告诉您。"
NO_RESULTS = "暂时还没有公布的抽检结果。"
NO_MATCH = "没有找到与「{query}」有关的抽检结果。可以换个词试试，如“抽检结果 牛奶”。"
RESULTS_HEAD = "抽检结果（{what}，共{count}条）："
RESULTS_LINE = "{line}（{day}抽样）"
RESULTS_TAIL = "按产品、品牌或地点查询，请发“抽检结果 关键词”，如“抽检结果 牛奶”。"

NONE_WORDS = frozenset({"无", "没有", "不用", "跳过", "没", "否", "no", "无建议"})
CONFIRM_WORDS = frozenset({"确认", "确定", "提交", "确认提交", "是", "好"})
EDIT_WORDS = frozenset({"修改", "改", "更改"})
RESULTS_LIMIT = 8


def _question_text(poll: Poll, index: int) -> str:
    question = poll.questions[index]
    options = "\n".join(f"{o.position}. {o.label}" for o in question.options)
    example = " ".join(str(n) for n in range(1, min(question.max_picks, 3) + 1))
    return QUESTION.format(n=index + 1, total=len(poll.questions), text=question.text, max=question.max_picks,
                           options=options, example=example)


def start(turn: Turn) -> Reply:
    """Show the open poll and its first question; or say why there is nothing to vote on."""
    if not followers.is_following(turn.incoming.openid):
        return turn.end(ballots.NOT_FOLLOWING)
    poll = polls.for_followers(now=turn.now)
    if poll is None:
        return turn.end(NO_POLL)
    reason = ballots.refusal(poll, turn.now)
    if reason:
        return turn.end(reason)
    voted = ballots.existing(poll_id=poll.id, openid=turn.incoming.openid)
    if voted is not None:
        return turn.end(ALREADY_VOTED.format(when=ballots.plain_time(voted.cast_at), title=poll.title))
    turn.data.update(poll=poll.id, index=0, picks={}, suggestion=None, title=poll.title,
                     closes=ballots.plain_time(poll.closes_at))
    intro = INTRO.format(title=poll.title, description=poll.description).strip()
    return turn.goto("pick", f"{intro}\n\n{_question_text(poll, 0)}")


def pick(turn: Turn) -> Reply:
    """Store the numbers chosen for the current question; ask the next question, 其他建议, or confirm."""
    poll = polls.get(turn.data["poll"])
    reason = ballots.refusal(poll, turn.now)
    if reason:
        return turn.end(reason)
    index = turn.data["index"]
    question: Question = poll.questions[index]
    numbers = parse_numbers(turn.text)
    if numbers is None:                                 # the options by name: "牛奶 大米", "选超市"
        named = parse_labels(turn.text, [o.label for o in question.options])
        numbers = [question.options[n - 1].position for n in named] if named else None
    count = len(question.options)
    if numbers is None:
        return turn.stay(f"{NOT_NUMBERS}\n\n{_question_text(poll, index)}")
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        return turn.stay(OUT_OF_RANGE.format(bad=bad[0], count=count))
    if len(numbers) > question.max_picks:
        return turn.stay(TOO_MANY.format(max=question.max_picks, count=len(numbers)))
    by_position = {o.position: o.id for o in question.options}
    turn.data["picks"][str(question.id)] = [by_position[n] for n in numbers]
    if turn.data.pop("editing", False):
        return turn.goto("confirm", _summary(poll, turn.data))
    if index + 1 < len(poll.questions):
        turn.data["index"] = index + 1
        return turn.goto("pick", _question_text(poll, index + 1))
    if poll.allow_suggestion:
        return turn.goto("suggest", ASK_SUGGESTION)
    return turn.goto("confirm", _summary(poll, turn.data))


def suggest(turn: Turn) -> Reply:
    """Store the optional free-text suggestion (无 skips it) and show the summary to confirm."""
    poll = polls.get(turn.data["poll"])
    text = turn.text
    if len(text) > ballots.SUGGESTION_MAX:
        return turn.stay(SUGGESTION_TOO_LONG.format(max=ballots.SUGGESTION_MAX))
    # 确认 here means "nothing to add, let me confirm": never stored as the suggestion
    turn.data["suggestion"] = None if text.lower() in NONE_WORDS | CONFIRM_WORDS or not text else text
    turn.data.pop("editing", None)
    return turn.goto("confirm", _summary(poll, turn.data))


def _summary(poll: Poll, data: dict) -> str:
    labels = {o.id: o.label for q in poll.questions for o in q.options}
    lines = [SUMMARY_LINE.format(text=q.text, picked="、".join(labels[i] for i in data["picks"][str(q.id)]))
             for q in poll.questions]
    if poll.allow_suggestion:
        lines.append(SUGGESTION_LINE.format(text=data.get("suggestion") or "无"))
    return SUMMARY.format(lines="\n".join(lines))


def confirm(turn: Turn) -> Reply:
    """On 确认, cast the ballot (once, even if WeChat re-sends) and thank the voter; 修改 lists the questions."""
    if turn.text in EDIT_WORDS:
        return turn.goto("edit", EDIT_ASK.format(lines="\n".join(
            EDIT_LINE.format(n=n, text=text) for n, text in enumerate(_editable(polls.get(turn.data["poll"])), 1))))
    if turn.text not in CONFIRM_WORDS:
        return turn.stay(ASK_CONFIRM)
    choices = {int(qid): ids for qid, ids in turn.data["picks"].items()}
    try:
        ballots.cast(poll_id=turn.data["poll"], openid=turn.incoming.openid, choices=choices,
                              suggestion=turn.data.get("suggestion"), now=turn.now)
    except DomainError as err:
        if err.message == ballots.BUSY:      # nothing stored: the follower may send 确认 again
            return turn.stay(err.message)
        return turn.end(err.message)
    return turn.end(THANKS.format(title=turn.data["title"], closes=turn.data["closes"]))


def _editable(poll: Poll) -> list[str]:
    return [q.text for q in poll.questions] + ([SUGGESTION_LABEL] if poll.allow_suggestion else [])


def edit(turn: Turn) -> Reply:
    """Pick one question (or 其他建议) by number and ask it again; its answer returns to the summary."""
    poll = polls.get(turn.data["poll"])
    count = len(_editable(poll))
    n = parse_choice(turn.text)
    if n is None or not 1 <= n <= count:
        return turn.stay(EDIT_BAD.format(count=count))
    turn.data["editing"] = True
    if n > len(poll.questions):
        return turn.goto("suggest", ASK_SUGGESTION)
    turn.data["index"] = n - 1
    return turn.goto("pick", _question_text(poll, n - 1))


def progress(step: str, data: dict) -> Progress:
    """Where a vote stands: the question being answered, or the summary."""
    if step == "pick":
        return Progress(noun=NOUN, number=data.get("index", 0) + 1, label=f"第{data.get('index', 0) + 1}题")
    if step == "suggest":
        return Progress(noun=NOUN, label="已答完选择题，还差其他建议", item="您的其他建议")
    return Progress(noun=NOUN, label="已经选完，还没有提交")


def results(turn: Turn) -> str:
    """List the latest published sampling results, or those matching `抽检结果 关键词`."""
    query = turn.text.removeprefix("抽检结果").strip() if not turn.incoming.is_event else ""
    found = sampling.search(query=query, limit=RESULTS_LIMIT)
    if not found:
        return NO_MATCH.format(query=query) if query else NO_RESULTS
    outcomes = disposals.published_outcomes([r.id for r in found])
    lines = [RESULTS_LINE.format(line=sampling.describe(r, outcomes.get(r.id)),
                                 day=f"{r.sampled_on.month}月{r.sampled_on.day}日") for r in found]
    head = RESULTS_HEAD.format(what=f"“{query}”" if query else "最新", count=len(found))
    return "\n".join([head, *lines, RESULTS_TAIL])


VOTE = Flow(name="poll", title="你点我检投票", start=start,
            steps={"pick": pick, "suggest": suggest, "confirm": confirm, "edit": edit},
            free_text=frozenset({"suggest"}), progress=progress,
            keys=frozenset({MenuKey.POLL}), words=frozenset({"你点我检", "投票", "我要投票", "参与投票"}),
            timeout=timedelta(minutes=30))

ENTRIES = [
    VOTE,
    Command(results, keys=frozenset({MenuKey.RESULTS}), words=frozenset({"抽检结果"}), prefixes=("抽检结果",)),
]
