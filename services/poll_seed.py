"""Demo data for 你点我检: one open poll (食品品种 pick ≤3 of 10, 抽样场所 pick ≤2 of 6), for `flask seed`."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from extensions import db
from models.poll import Poll, PollStatus
from services import polls
from services.clock import from_china, utcnow

TITLE = "2027年3·15 你点我检"
DESCRIPTION = "食品安全你点我检：选出您最想抽检的食品和场所，票数靠前的由县局抽样送检，结果将在公众号公布并告诉每位投票人。"
FOODS = ["牛奶及乳制品", "鸡蛋", "大米及米粉", "食用油", "猪肉", "新鲜蔬菜", "水果", "糕点月饼", "酒类", "酱油醋等调味品"]
PLACES = ["超市", "农贸市场", "学校及周边", "网店/外卖", "餐馆饭店", "小作坊"]
CLOSES = datetime(2027, 3, 15, 18, 0)          # China time


def seed_demo() -> str:
    """Create the demo poll, open from now until 3·15 18:00 (China time); safe to run again."""
    if db.session.scalar(select(Poll.id).where(Poll.title == TITLE)) is not None:
        return "demo poll already there"
    now = utcnow()
    closes = max(from_china(CLOSES), now + timedelta(days=30))
    poll = polls.create(title=TITLE, description=DESCRIPTION, questions=[
        polls.QuestionSpec("您最想抽检哪些食品？", FOODS, max_picks=3, top_n=3),
        polls.QuestionSpec("您最希望在哪些场所抽样？", PLACES, max_picks=2, top_n=2),
    ], opens_at=now, closes_at=closes, allow_suggestion=True, by="seed", now=now)
    polls.transition(poll_id=poll.id, to=PollStatus.OPEN, by="seed", now=now)
    db.session.flush()
    return f"demo poll {poll.id} open"
