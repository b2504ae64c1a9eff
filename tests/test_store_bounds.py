"""Issue 12, items 3 and 4: a store that accepts connections but never answers makes a reply degrade, never late."""
import random
import socket
import threading
import time

import pytest
from sqlalchemy import text

import bounds
from extensions import db
from sim.client import sign, to_xml
from tests.support.wechat import TOKEN

WECHAT_LIMIT = 5.0   # seconds WeChat waits for a reply (passive-reply doc): a correctness bound, not a benchmark


class HungServer:
    """A TCP server that accepts connections and reads requests but never answers (a SIGSTOPped store, as seen
    from the client). Counts the commands (RESP arrays) it received."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.received = bytearray()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.received += data

    def commands(self) -> int:
        with self._lock:
            return sum(1 for line in bytes(self.received).split(b"\r\n") if line.startswith(b"*"))

    def close(self) -> None:
        self.sock.close()
        for conn in self._conns:
            conn.close()


@pytest.fixture
def hung():
    server = HungServer()
    yield server
    server.close()


def _push(app, openid: str, content: str):
    stamp, nonce = str(int(time.time())), str(random.randint(10**8, 10**9))
    body = to_xml({"ToUserName": "gh_sim0000000315", "FromUserName": openid, "CreateTime": int(time.time()),
                   "MsgType": "text", "Content": content, "MsgId": random.randint(1, 10**12)}).encode()
    started = time.monotonic()
    res = app.test_client().post("/wechat", query_string={"signature": sign(TOKEN, stamp, nonce),
                                                          "timestamp": stamp, "nonce": nonce}, data=body)
    return res, time.monotonic() - started


def test_hung_redis_costs_one_timeout_per_request_and_the_reply_is_in_time(make_app, hung):
    """With Redis hung, a message is answered well inside 5 s and, after the first timeout, no more Redis commands
    are sent for that request (one per-request "down" flag, no client retries)."""
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{hung.port}/0")
    res, elapsed = _push(app, "o_hung_redis", "帮助")
    assert res.status_code == 200 and "投诉" in res.get_data(as_text=True)
    assert elapsed < WECHAT_LIMIT
    assert hung.commands() == 1


def test_hung_database_at_connect_is_answered_in_time(make_app, hung):
    """With PostgreSQL accepting connections but never answering, a message that needs the database still gets a
    reply (an apology) inside 5 s: the connect timeout holds."""
    app = make_app(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{hung.port}/hung", WEBHOOK_DB_DEADLINE=3.0)
    res, elapsed = _push(app, "o_hung_db", "投诉")
    assert res.status_code == 200 and "抱歉" in res.get_data(as_text=True)
    assert elapsed < WECHAT_LIMIT


def test_postgresql_sessions_carry_statement_and_lock_timeouts(app):
    """Every PostgreSQL connection runs with the configured statement_timeout and lock_timeout (3 s and 1 s)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (TEST_DATABASE_URL): SQLite is bounded by its busy timeout")
        assert db.session.scalar(text("SHOW statement_timeout")) == "3s"
        assert db.session.scalar(text("SHOW lock_timeout")) == "1s"


def test_work_in_memory_does_not_use_up_the_request_deadline(app):
    """Time spent off the clock (building the Q&A index on a cold worker) does not count against the request's
    database deadline: the connection is not cut and the request can still use the database afterwards."""
    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (TEST_DATABASE_URL): the deadline cuts psycopg sockets")
        bounds.arm(0.2)
        try:
            assert db.session.execute(text("SELECT 1")).scalar() == 1
            with bounds.off_the_clock():
                time.sleep(0.5)          # stands for CPU work longer than the whole deadline
            assert db.session.execute(text("SELECT 2")).scalar() == 2
        finally:
            bounds.disarm()
            db.session.remove()
