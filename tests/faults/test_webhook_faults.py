"""Faults during conversations (issue 12): Redis or PostgreSQL hung (SIGSTOP), killed and restarted while consumers
confirm complaints and votes. Every reply comes within WeChat's 5 s; cases = consumers told a case number, ballots =
voters told 投票成功, nobody twice. Private servers of this module's own (Redis, PostgreSQL, on free ports),
stopped by pid;
whatever is SIGSTOPped is SIGCONTed in `finally`."""
from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from extensions import db
from models import Case
from sim.client import SimUser
from tests.support.faults import assert_ours, free_port
from tests.support.wechat import APP_ID, TOKEN, transport_for

WECHAT_LIMIT = 5.0       # WeChat drops a push unanswered for 5 s (passive-reply doc): a correctness bound
CASE_NUMBER = re.compile(r"TS\d{8}-\d{4}")
STEPS = ["投诉", "同意", "好又多超市", "城关镇人民路88号", "买到过期牛奶", "完成", "58", "4", "跳过", "张三",
         "13812345678"]         # the last answer shows the summary (确认 / 修改 / 取消): see _fill
POSTGRES = (sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres")) or [shutil.which("postgres") or ""])[-1]
RUN_AS = "postgres" if os.geteuid() == 0 else None     # postgres refuses to run as root


def _wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up")
        time.sleep(0.05)             # polling a server we started, not synchronising our own code


class Redis:
    """redis-server on a free port, no persistence; `kill` and `start` by pid (same port); `hung()` SIGSTOPs it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save",
                                         "", "--appendonly", "no", "--daemonize", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis as redis_lib
        _wait_for(lambda: _answers(lambda: redis_lib.Redis(port=self.port, socket_timeout=0.2).ping()), "redis")
        assert_ours(self.process, "redis-server")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)

    @contextmanager
    def hung(self):
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)


class Postgres:
    """A PostgreSQL cluster of our own (initdb into a temp dir, run as the postgres user) on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.dir = tempfile.mkdtemp(prefix="edge-faults-pg-")
        if RUN_AS:
            shutil.chown(self.dir, RUN_AS)
        subprocess.run([os.path.join(os.path.dirname(POSTGRES), "initdb"), "-D", self.dir, "-A", "trust", "-U",
                        "postgres", "--no-sync", "-E", "UTF8"], user=RUN_AS, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        self.process = subprocess.Popen([POSTGRES, "-D", self.dir, "-p", str(self.port), "-k", self.dir, "-c",
                                         "listen_addresses=127.0.0.1", "-c", "fsync=off"], user=RUN_AS,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import psycopg
        _wait_for(lambda: _answers(lambda: psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres "
                                                           "dbname=postgres connect_timeout=2").close()), "postgres")
        assert_ours(self.process, "postgres")

    def pids(self) -> list[int]:
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [self.process.pid, *map(int, children.split())]

    @contextmanager
    def hung(self):
        """SIGSTOP the postmaster and every backend: the kernel still accepts and acknowledges, nobody answers."""
        stopped = self.pids()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)

    @contextmanager
    def down(self):
        """Stopped (connections refused), then started again on the same data."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def stop(self) -> None:
        if self.process.poll() is None:
            for pid in self.pids():
                os.kill(pid, signal.SIGCONT)
            self.process.send_signal(signal.SIGQUIT)       # immediate shutdown
            self.process.wait(timeout=30)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _answers(fn) -> bool:
    try:
        fn()
        return True
    except Exception:  # noqa: BLE001 - not up yet
        return False


@pytest.fixture(scope="module")
def stores():
    if not shutil.which("redis-server") or not os.path.exists(POSTGRES):
        pytest.skip("redis-server or the postgres binaries are not installed")
    redis_server, postgres = Redis(), Postgres()
    redis_server.start()
    postgres.start()
    try:
        yield redis_server, postgres
    finally:
        redis_server.kill()
        postgres.stop()
        postgres.remove()


@pytest.fixture
def fault_app(make_app, stores):
    from flask_migrate import upgrade
    redis_server, postgres = stores
    app = make_app(DATABASE_URL=postgres.url, REDIS_URL=redis_server.url,    # production's deadlines
                   WECHAT_LATE_AFTER=4, WEBHOOK_DB_DEADLINE=3.0)
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade(revision="head")
        db.engine.dispose()
    from app import warm_up
    warm_up(app).join()              # as gunicorn does for each worker: the Q&A index is built before any fault
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Timed:
    """A consumer whose every push is timed: `slowest` is the longest wait for a reply."""

    def __init__(self, app, sim, openid: str) -> None:
        post = transport_for(app)
        self.slowest = 0.0

        def timed(path, params, body):
            started = time.monotonic()
            result = post(path, params, body)
            self.slowest = max(self.slowest, time.monotonic() - started)
            return result
        self.user = SimUser(timed, token=TOKEN, app_id=APP_ID, openid=openid, api_base=sim.url)

    def case_numbers(self, answers) -> set[str]:
        return {m.group(0) for a in answers for m in CASE_NUMBER.finditer(a.text)}


def _fill(person: Timed):
    """Answer every question of the complaint form; the form must end at its summary, or the steps are stale."""
    answers = [person.user.say(step) for step in STEPS]
    assert "确认" in answers[-1].text, [a.text[:40] for a in answers]
    return answers[-1]


def _cases(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Case.openid, func.count()).group_by(Case.openid)).all()
        return dict(rows)


@pytest.mark.parametrize("store", ["postgres", "redis", "postgres_down"])
def test_confirming_complaints_while_a_store_hangs(fault_app, stores, sim, store):
    """Consumers send 确认 while PostgreSQL or Redis is hung (SIGSTOP) — or PostgreSQL is down, refusing connections,
    and restarted — then again once it is back: every reply within 5 s, and the cases filed are exactly the consumers
    told a case number — one each."""
    redis_server, postgres = stores
    people = [Timed(fault_app, sim, f"o_fault_{store}_{n}") for n in range(3)]
    for person in people:
        _fill(person)
    told: dict[str, set[str]] = {}
    fault = {"postgres": postgres.hung, "redis": redis_server.hung, "postgres_down": postgres.down}[store]
    with fault():
        during = [person.user.say("确认") for person in people]
    assert all(a.status == 200 and a.text for a in during)
    for person, answer in zip(people, during):
        told[person.user.openid] = person.case_numbers([answer])
    for person in people:
        again = person.user.say("确认")
        told[person.user.openid] |= person.case_numbers([again])
        if not told[person.user.openid]:          # the draft was lost with the outage: file again from the start
            answers = [_fill(person), person.user.say("确认")]
            told[person.user.openid] |= person.case_numbers(answers)
    inbox_numbers = {p.user.openid: p.case_numbers([type("A", (), {"text": m["body"].get("content", "")})()
                                                    for m in sim.inbox(p.user.openid)]) for p in people}
    cases = _cases(fault_app)
    for person in people:
        openid = person.user.openid
        assert len(told[openid] | inbox_numbers[openid]) == 1, openid       # told one number, never two
        assert cases.get(openid) == 1, openid                               # and exactly one case filed
        assert person.slowest < WECHAT_LIMIT, (openid, person.slowest)
    print(f"\n{store} hung: slowest replies", [round(p.slowest, 2) for p in people])


def test_voting_while_redis_is_killed_and_restarted(fault_app, stores, sim):
    """Redis killed (-9) between voters' choices and 确认, then back empty: every reply within 5 s, and ballots are
    exactly the voters told 投票成功."""
    from models.poll import Ballot
    from tests.support.polls import make_poll
    redis_server, _ = stores
    make_poll(fault_app)
    voters = [Timed(fault_app, sim, f"o_fault_voter_{n}") for n in range(4)]
    for voter in voters:
        voter.user.follow()
        voter.user.click("POLL")
        voter.user.say("1 3")
        voter.user.say("2")
        voter.user.say("无")
    redis_server.kill()
    try:
        during = [voter.user.say("确认") for voter in voters[:2]]
    finally:
        redis_server.start()
    after = [voter.user.say("确认") for voter in voters[2:]]
    succeeded = set()
    for voter, answer in zip(voters, during + after):
        if "投票成功" in answer.text:
            succeeded.add(voter.user.openid)
        else:                                   # state lost with Redis: vote again from the menu
            voter.user.click("POLL")
            voter.user.say("1 3")
            voter.user.say("2")
            voter.user.say("无")
            if "投票成功" in voter.user.say("确认").text:
                succeeded.add(voter.user.openid)
    with fault_app.app_context():
        ballots = db.session.scalars(select(Ballot.openid)).all()
    assert sorted(ballots) == sorted(succeeded) == sorted(v.user.openid for v in voters)
    assert all(v.slowest < WECHAT_LIMIT for v in voters), [round(v.slowest, 2) for v in voters]
    print("\nredis killed: slowest replies", [round(v.slowest, 2) for v in voters])


def test_a_form_half_filled_when_redis_is_killed_goes_on_after_it_restarts(fault_app, stores, sim):
    """A consumer halfway through the complaint form when Redis is killed (-9): the answer sent while it is down is
    told within 5 s that it was not taken but what was filled in is kept (and where the form stands); once Redis is
    back (empty) the form goes on from the database copy of the draft, the answers given before are kept, and
    confirming files exactly one case."""
    redis_server, _ = stores
    person = Timed(fault_app, sim, "o_fault_midform")
    for step in STEPS[:5]:                      # consent, shop, address and the first line of the story given
        person.user.say(step)
    redis_server.kill()
    try:
        during = person.user.say("完成")
    finally:
        redis_server.start()
    assert during.status == 200 and "已填的内容都还在" in during.text and "第3步" in during.text, during.text
    answers = [person.user.say("完成")]
    for step in STEPS[6:]:
        answers.append(person.user.say(step))
    summary = answers[-1].text
    assert "好又多超市" in summary and "城关镇人民路88号" in summary and "买到过期牛奶" in summary, summary
    confirmed = person.user.say("确认")
    assert person.case_numbers([confirmed]), confirmed.text
    assert _cases(fault_app).get("o_fault_midform") == 1
    assert person.slowest < WECHAT_LIMIT, person.slowest
