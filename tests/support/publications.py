"""Publications set-up shared by the publication, scheduler and crash tests: followers, an approved publication,
the scheduler's push, and what a follower received."""
from __future__ import annotations

from extensions import db
from models import Publication
from services import followers, publications
from services.clock import utcnow
from services.delivery import Settings

FAST = Settings(workers=4, backoff=0.01, template_id="TPL_PUB")


def follow(sim, *openids):
    """Followers known to the bot and to the sim."""
    sim.configure(followers=list(openids))
    for openid in openids:
        followers.subscribe_or_queue(openid=openid, now=utcnow())
    db.session.commit()


def approved(*, kind="warning", title="预付卡消费警示", strategy="each", audience="all", tags="预付卡 健身",
             **extra) -> Publication:
    """A publication written by one staff member and approved by another (committed, as the console would)."""
    now = utcnow()
    pub = publications.create(author="writer", now=now, kind=kind, title=title, summary="办卡前看清条款",
                              strategy=strategy, audience=audience, tags=tags, **extra)
    publications.submit(pub.id, by="writer", now=now)
    pub = publications.approve(pub.id, by="checker", now=now, settings=FAST)
    db.session.commit()
    return pub


def send_now(pub: Publication) -> Publication:
    """Staff press 立即发送 and the console commits; the publication is read back, so it stays usable afterwards."""
    publications.send_now(pub.id, by="checker", now=utcnow())
    db.session.commit()
    db.session.refresh(pub)
    return pub


def push(app, now=None, **kwargs) -> int:
    """The scheduler's push, as `scheduler.jobs.push_publications` calls it (helper processes launched the same way).
    Without `now` the clock runs, as the scheduler's does: with it frozen, a row an interrupted run left waiting
    for a retry a moment ahead would never fall due, and the delivery loop would wait for it for ever."""
    from scheduler.delivery_helpers import Launcher
    sender = kwargs.pop("sender", app.extensions["outbound"].sender)
    if now is None:
        kwargs.setdefault("clock", utcnow)
    return publications.push_due(now=now or utcnow(), sender=sender, settings=kwargs.pop("settings", FAST),
                                 launch=Launcher.of(app), **kwargs)


def received(sim, openid, kind=None) -> list[dict]:
    return [m for m in sim.inbox(openid) if kind is None or m["kind"] == kind]


def titles(sim, openid) -> list[str]:
    """Titles of the publications a follower received, by template or customer-service news."""
    out = []
    for m in sim.inbox(openid):
        if m["kind"] == "template":
            out.append(m["data"]["title"]["value"])
        elif m["kind"] == "custom:news":
            out.append(m["body"]["articles"][0]["title"])
    return out
