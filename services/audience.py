"""Who a publication goes to, and each follower's 订阅 / 退订 per kind.

A follower who replied `退订 警示` is filtered out of every 消费警示 push whatever its audience; one who replied
`订阅 警示` is in the `subscribers` audience of that kind. Only followers who still follow are ever returned.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Follower, KindPreference
from models.publication import Audience, Kind
from services import Invalid

# What a follower may type after 退订 / 订阅 (the short word or the full label); the bare word means every kind.
KIND_WORDS: dict[str, Kind] = {name: kind for kind in Kind for name in (kind.word, kind.label)}
UNKNOWN_KIND = "没有“{word}”这类推送。可选：警示、提示、案例、抽检。"


def kind_of(word: str) -> Kind:
    """The kind a follower named (警示 / 案例 …); raises Invalid for anything else."""
    kind = KIND_WORDS.get(word.strip())
    if kind is None:
        raise Invalid(UNKNOWN_KIND.format(word=word.strip()[:10]), field="kind")
    return kind


def set_preference(*, openid: str, kinds: list[Kind], subscribed: bool, now: datetime) -> list[Kind]:
    """Record 订阅 (True) or 退订 (False) for each kind; returns the kinds whose setting changed. Caller commits."""
    changed = []
    for kind in kinds:
        row = db.session.scalar(select(KindPreference).where(KindPreference.openid == openid,
                                                             KindPreference.kind == kind))
        if row is None:
            row = KindPreference(openid=openid, kind=kind, subscribed=subscribed, updated_at=now)
            try:
                with db.session.begin_nested():
                    db.session.add(row)
                changed.append(kind)
            except IntegrityError:  # a concurrent re-send created it; take that row
                row = db.session.scalar(select(KindPreference).where(KindPreference.openid == openid,
                                                                     KindPreference.kind == kind))
        if row is not None and row.subscribed != subscribed:
            row.subscribed, row.updated_at = subscribed, now
            changed.append(kind)
    return changed


def preferences(openid: str) -> dict[str, bool]:
    """kind → subscribed for the kinds the follower has set."""
    rows = db.session.scalars(select(KindPreference).where(KindPreference.openid == openid))
    return {row.kind: row.subscribed for row in rows}


def opted_out(kind: str) -> set[str]:
    """Openids that replied 退订 for `kind`."""
    return set(db.session.scalars(select(KindPreference.openid).where(
        KindPreference.kind == kind, KindPreference.subscribed.is_(False))))


def resolve(*, audience: str, ref: str | None, kind: str) -> list[str]:
    """The following openids an audience names, sorted (tag audiences are resolved by WeChat: empty here)."""
    following = select(Follower.openid).where(Follower.subscribed.is_(True))
    if audience == Audience.ALL:
        query = following
    elif audience == Audience.SUBSCRIBERS:
        query = following.where(Follower.openid.in_(select(KindPreference.openid).where(
            KindPreference.kind == kind, KindPreference.subscribed.is_(True))))
    elif audience == Audience.POLL_VOTERS:
        from models import Ballot  # the polls feature's table: one ballot per (poll, openid)
        query = following.where(Follower.openid.in_(select(Ballot.openid).where(
            Ballot.poll_id == int(ref or 0), Ballot.openid.is_not(None))))
    elif audience == Audience.TAG:
        return []
    else:
        raise Invalid(f"未知的推送对象：{audience}", field="audience")
    return sorted(db.session.scalars(query))
