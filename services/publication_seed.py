"""Demo publications for `flask seed`: two 消费警示 and one 典型案例, already published, so 最新警示 / 典型案例 /
`警示 预付卡` answer something on a fresh install. Nothing is sent (no delivery rows). Safe to run again."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models import Publication
from models.publication import Kind, Status
from services.clock import utcnow

DEMO = [
    (Kind.WARNING, "警惕预付卡“跑路”：办卡前先看三件事",
     "看经营者资质与经营年限、看合同里的退费条款、单次充值不宜过多；遇到停业“跑路”，保存好合同和付款凭证，及时投诉。",
     "预付卡 健身 美容 理发"),
    (Kind.WARNING, "网购“七天无理由退货”的几个误区",
     "拆封不等于不能退；商家不得以“特价商品”一概拒退；定制商品、鲜活易腐等除外。保留聊天记录与订单截图。", "网购 退货"),
    (Kind.CASE, "装修公司拖延工期，调解后退还部分款项",
     "消费者与装修公司约定60天完工，逾期40天仍未交付。经市场监管所调解，公司退还违约金并承诺限期完工。", "装修 合同"),
]


def seed_demo() -> str:
    """Insert the demo publications once (matched by title)."""
    now = utcnow()
    known = set(db.session.scalars(select(Publication.title)))
    added = 0
    for kind, title, summary, tags in DEMO:
        if title in known:
            continue
        db.session.add(Publication(kind=kind, title=title, summary=summary, body=summary, tags=tags,
                                   status=Status.SENT, strategy="each", audience="all", author="seed",
                                   approver="seed", published_at=now, sent_at=now, created_at=now, updated_at=now))
        added += 1
    db.session.flush()
    return f"{added} demo publications"
