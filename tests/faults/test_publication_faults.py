"""Faults during a publication (issue 12): a store that goes away mid-send neither loses nor doubles a message,
and never reports as `unconfirmed` what was never sent. Private Redis / PostgreSQL servers, stopped by pid."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.client import WeChatAPI, WeChatSender
from extensions import db, redis
from models import AuditEvent, Delivery
from models.publication import DeliveryStatus, Status
from services import publications
from services.clock import utcnow
from tests.support.faults import assert_ours, free_port
from tests.support.wechat import APP_ID, TOKEN
from tests.support.publications import FAST, approved, follow, push, send_now, titles

FOLLOWERS = [f"o_fault_{n:03d}" for n in range(60)]


class PrivateRedis:
    """A redis-server of this test's own on a free port, no persistence: `stop()` kills it by pid, `start()` brings a
    fresh (empty) one back on the same port."""

    def __init__(self, port: int) -> None:
        self.port, self.process = port, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import redis as redis_lib
                if redis_lib.Redis(port=self.port, socket_timeout=0.2).ping():
                    assert_ours(self.process, "redis-server")
                    return
            except Exception:  # noqa: BLE001 — any failure here means the server is not listening yet
                time.sleep(0.02)           # polling for the server to listen, not a synchronisation of our code
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_until(check, *, timeout: float = 60.0, what: str = "") -> None:
    """Poll `check` until it is true (the polling interval is not a synchronisation: the deadline fails the test)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def delivered(sim) -> int:
    return sum(len(sim.inbox(o)) for o in FOLLOWERS)


def test_redis_down_mid_send_after_the_token_memo_expired_resends_nothing_and_skips_no_one(make_app, sim,
                                                                                            private_redis):
    """Redis killed mid-publication once the sender's token memo has run out, and back (empty) seconds later:
    the sends that could not get a token go back to pending and go out when it returns — every follower's inbox
    holds the publication exactly once, no row is `unconfirmed`, and the publication says `sent` with no note."""
    app = make_app(REDIS_URL=private_redis.url)
    with app.app_context():
        follow(sim, *FOLLOWERS)
        pub = approved(title="停了Redis也不漏发")
        send_now(pub)
        # The production sender, with a 0.2-s token memo instead of 30 s, so the outage outlasts it at once.
        sender = WeChatSender(WeChatAPI(app_id=APP_ID, secret="testsecret", api_base=sim.url, redis=redis,
                                        memo=0.2))

    def deliver() -> int:
        with app.app_context():
            return push(app, sender=sender, settings=replace(FAST, workers=4, backoff=0.05), clock=utcnow)

    sim.configure(latency_ms=20)
    try:
        with ThreadPoolExecutor(max_workers=1) as thread:
            delivering = thread.submit(deliver)
            wait_until(lambda: delivered(sim) >= 12 or delivering.done(), what="the first sends")
            private_redis.stop()
            outage_began, at_outage = time.monotonic(), delivered(sim)
            while time.monotonic() - outage_began < 3.0 and not delivering.done():
                time.sleep(0.05)            # the outage lasts 3 s: fault injection, not synchronisation
            private_redis.start()
            sent = delivering.result(timeout=120)
    finally:
        sim.configure(latency_ms=0)
    assert at_outage < len(FOLLOWERS)                         # the outage really was mid-send
    with app.app_context():
        assert sent == len(FOLLOWERS)
        assert publications.report(pub.id) == {"sent": len(FOLLOWERS)}
        done = publications.get(pub.id)
        assert done.status == Status.SENT and done.note is None
    assert all(titles(sim, o) == ["停了Redis也不漏发"] for o in FOLLOWERS)


class LostResponse:
    """The real sender, except that the answer to one follower's template message is lost after WeChat took it
    (as when the connection drops on the way back): the send happened, this process cannot know."""

    def __init__(self, sender, openid: str) -> None:
        self.sender, self.openid = sender, openid

    def __getattr__(self, name):
        return getattr(self.sender, name)

    def template(self, openid, **kwargs):
        msgid = self.sender.template(openid, **kwargs)
        if openid == self.openid:
            raise ConnectionResetError("response lost")
        return msgid


def test_an_unknown_send_is_unconfirmed_said_on_the_publication_and_settled_by_templatesendjobfinish(app, sim,
                                                                                                      live_app):
    """A send whose answer is lost is neither resent nor counted sent: the run finishes, the publication is `sent`
    with a note saying one result is unconfirmed and an alert for its author; then WeChat's TEMPLATESENDJOBFINISH
    for that follower settles the row `sent` and the note goes."""
    lost = FOLLOWERS[7]
    sim.configure(callback=f"{live_app}/wechat", token=TOKEN, hold_reports=True)   # reports come after the run
    with app.app_context():
        follow(sim, *FOLLOWERS[:20])
        pub = approved(title="回执会说实话")
        send_now(pub)
        push(app, sender=LostResponse(app.extensions["outbound"].sender, lost))
        assert all(titles(sim, o) == ["回执会说实话"] for o in FOLLOWERS[:20])
        assert publications.report(pub.id) == {"sent": 19, "unconfirmed": 1}
        assert "有 1 位关注者的发送结果未确认" in publications.get(pub.id).note
        requests.post(f"{sim.url}/sim/reports/release", timeout=30).raise_for_status()

        def settled() -> bool:
            db.session.rollback()
            return publications.report(pub.id) == {"sent": 20}
        wait_until(settled, timeout=30, what="TEMPLATESENDJOBFINISH to settle the row")
        done = publications.get(pub.id)
        assert done.status == Status.SENT and done.note is None
        row = db.session.scalar(select(Delivery).where(Delivery.publication_id == pub.id, Delivery.openid == lost))
        assert row.msgid and row.status == DeliveryStatus.SENT
        alert = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "publication.unconfirmed"))
        assert alert is not None and alert.object_id == str(pub.id) and alert.after["author"] == "writer"


def test_an_unknown_send_without_a_report_stays_unconfirmed_and_the_console_says_so(app, sim, staff_factory,
                                                                                    logged_in):
    """Without WeChat's report (no callback), the lost answer leaves one row `unconfirmed`, never resent, the
    publication's console page says that one result is unconfirmed, and its author is told on their phone once."""
    from models.inbox import StaffWeChat
    from scheduler.jobs import alert_staff
    lost = FOLLOWERS[3]
    writer = staff_factory(role="staff", username="writer")
    with app.app_context():
        db.session.add(StaffWeChat(staff_id=writer.id, openid="o_writer_phone", bound_at=utcnow()))
        db.session.commit()
    requests.post(f"{sim.url}/sim/inbound", json={"openid": "o_writer_phone", "action": "message"},
                  timeout=5).raise_for_status()                  # the writer wrote lately: a text can reach them
    with app.app_context():
        follow(sim, *FOLLOWERS[:10])
        pub = approved(title="未确认要写明")
        send_now(pub)
        push(app, sender=LostResponse(app.extensions["outbound"].sender, lost))
        push(app)
        assert publications.report(pub.id) == {"sent": 9, "unconfirmed": 1}
        assert publications.get(pub.id).status == Status.SENT
    assert all(titles(sim, o) == ["未确认要写明"] for o in FOLLOWERS[:10])
    staff = logged_in(app.test_client(), staff_factory(role="admin"))
    page = staff.get(f"/console/publications/{pub.id}").get_data(as_text=True)
    assert "有 1 位关注者的发送结果未确认" in page
    alert_staff(app)
    alert_staff(app)                                                   # once, however often the job runs
    told = [m for m in sim.inbox("o_writer_phone") if "未确认要写明" in str(m["body"])]
    assert len(told) == 1 and "1 位关注者" in str(told[0]["body"])


# --- follow / unfollow during a PostgreSQL outage (issue 12 item 6) ----------------------------------------------

class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (initdb in a temporary directory, a free port, trust auth), started
    with pg_ctl and stopped by its postmaster's pid."""

    def __init__(self, port: int, root) -> None:
        self.port, self.data = port, root / "pgdata"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.data.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.data, "postgres")
        subprocess.run([*self.as_postgres, "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run([*self.as_postgres, "pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l",
                        str(self.data / "log"), "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
                        "start"], check=True, capture_output=True)

    @property
    def pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        return int(pidfile.read_text().split()[0]) if pidfile.exists() else None

    def stop(self) -> None:
        """SIGINT to the postmaster (fast shutdown: clients cut off), and wait until it is gone."""
        pid = self.pid
        if pid is None:
            return
        os.kill(pid, signal.SIGINT)
        wait_until(lambda: not os.path.exists(f"/proc/{pid}"), timeout=60, what="postgres to stop")


@pytest.fixture
def private_postgres():
    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        pytest.skip("PostgreSQL server binaries are not installed")
    root = Path(tempfile.mkdtemp(prefix="cp_faults_pg_"))     # under /tmp: reachable by the postgres user
    server = PrivatePostgres(free_port(), root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_follows_and_unfollows_during_a_postgres_outage_are_applied_when_it_returns(make_app, sim,
                                                                                 private_postgres):
    """PostgreSQL stopped: a new follower still gets the welcome and a follower's unfollow is answered; both are
    kept, and once PostgreSQL is back the queue job makes the list true — the newcomer subscribed, the leaver gone."""
    from flask_migrate import upgrade

    from scheduler.jobs import apply_follow_queue
    from services import follow_queue, followers
    from sim.client import SimUser
    from tests.support.wechat import transport_for

    app = make_app(DATABASE_URL=private_postgres.url)
    with app.app_context():
        upgrade(revision="head")
    user = lambda openid: SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid=openid,  # noqa: E731
                                  api_base=sim.url)
    leaver, newcomer = user("o_pg_leaver"), user("o_pg_newcomer")
    assert "欢迎" in leaver.follow().text
    try:
        private_postgres.stop()
        welcome = newcomer.follow()
        assert welcome.status == 200 and "欢迎" in welcome.text
        assert leaver.unfollow().status == 200
        with app.app_context():
            assert [(e["action"], e["openid"]) for e in follow_queue.pending()] == [
                ("subscribe", "o_pg_newcomer"), ("unsubscribe", "o_pg_leaver")]
    finally:
        private_postgres.start()
    apply_follow_queue(app)
    with app.app_context():
        db.session.remove()
        assert followers.is_following("o_pg_newcomer")
        assert not followers.is_following("o_pg_leaver") and followers.get("o_pg_leaver") is not None
        assert follow_queue.pending() == []
        db.session.remove()


def test_reconcile_repairs_the_follower_list_from_user_get(app, sim):
    """The reconcile job reads WeChat's whole follower list (user/get, paged) and repairs ours: a follower we never
    recorded is added, one we hold but WeChat no longer lists is marked gone, the rest are untouched."""
    from models import Follower
    from scheduler.jobs import reconcile_followers
    from services import followers

    with app.app_context():
        follow(sim, "o_rec_kept", "o_rec_left")
        sim.configure(followers=["o_rec_missed"])
        sim.state.followers.discard("o_rec_left")            # unfollowed while nothing of ours heard it
    reconcile_followers(app)
    with app.app_context():
        state = dict(db.session.execute(select(Follower.openid, Follower.subscribed)).all())
        assert state == {"o_rec_kept": True, "o_rec_left": False, "o_rec_missed": True}
        assert followers.is_following("o_rec_missed")
