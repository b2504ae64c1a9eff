"""Shared set-up for the 你点我检 tests: a poll defined through the service, as staff would in the console."""
from __future__ import annotations

from datetime import datetime, timedelta

from extensions import db
from models.poll import PollStatus
from services import polls
from services.clock import utcnow

FOODS = ["牛奶", "鸡蛋", "大米", "食用油", "猪肉", "蔬菜", "水果", "月饼", "白酒", "调味品"]
PLACES = ["超市", "农贸市场", "学校食堂", "网店", "餐馆", "小作坊"]


def make_poll(app, *, status: PollStatus = PollStatus.OPEN, allow_suggestion: bool = True,
              opens_at: datetime | None = None, closes_at: datetime | None = None, title: str = "3·15 你点我检",
              foods: list[str] = FOODS) -> int:
    """Create a two-question poll and move it to `status`; returns its id."""
    now = utcnow()
    opens_at, closes_at = opens_at or now - timedelta(hours=1), closes_at or now + timedelta(days=7)
    with app.app_context():
        poll = polls.create(
            title=title, description="选出您最关心的食品和场所，我们抽检并公布结果。",
            questions=[polls.QuestionSpec("您最想抽检哪些食品？", foods, max_picks=3, top_n=3),
                       polls.QuestionSpec("您最想抽检哪些场所？", PLACES, max_picks=2, top_n=2)],
            opens_at=opens_at, closes_at=closes_at, allow_suggestion=allow_suggestion, by="tester",
            now=opens_at - timedelta(hours=2))
        path = {
            PollStatus.DRAFT: [],
            PollStatus.SCHEDULED: [PollStatus.SCHEDULED],
            PollStatus.OPEN: [PollStatus.OPEN],
            PollStatus.CLOSED: [PollStatus.OPEN, PollStatus.CLOSED],
            PollStatus.SAMPLING: [PollStatus.OPEN, PollStatus.CLOSED, PollStatus.SAMPLING],
        }[status]
        when = {PollStatus.SCHEDULED: opens_at - timedelta(hours=1), PollStatus.OPEN: opens_at,
                PollStatus.CLOSED: closes_at, PollStatus.SAMPLING: closes_at}
        for step in path:
            polls.transition(poll_id=poll.id, to=step, by="tester", now=when[step])
        db.session.commit()
        return poll.id


def vote(user, foods: str = "1 3", places: str = "2", suggestion: str | None = "无"):
    """Follow, then walk the whole vote flow; returns the answer to 确认."""
    user.follow()
    user.click("POLL")
    user.say(foods)
    user.say(places)
    if suggestion is not None:
        user.say(suggestion)
    return user.say("确认")
