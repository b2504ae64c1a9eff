"""Every store call bounded inside WeChat's 5-second budget (issue 12): a hung store makes replies degrade, never late.

Redis: socket and connect timeouts well under a second (REDIS_SOCKET_TIMEOUT, REDIS_CONNECT_TIMEOUT), no client-side
retries (redis-py 6 retries 3 times with up to 10 s backoff by default: 4-14 s per message were observed), and a
per-request "down" flag: the first ConnectionError or TimeoutError inside an HTTP request marks Redis down for the
rest of that request, so every later call raises at once and the degraded path is taken once, not once per call.

PostgreSQL: connect_timeout, a server-side statement_timeout and lock_timeout, and a pool timeout (DB_* settings,
turned into engine options by `config.engine_options`).
A hung server (SIGSTOP, a frozen disk) never enforces its own statement_timeout, and its kernel still acknowledges
every packet, so no TCP timeout fires either. A request that arms a deadline (`arm`, the webhook does) therefore gets
a client-side one: one watchdog thread per process shuts down the sockets of the request's checked-out connections
when the deadline passes; the statement fails at once with OperationalError, the connection is dropped, and further
database work in that request is refused immediately. Because SQLAlchemy's pre-ping runs before any pool event, the
ping is done here, after the connection is under the watchdog. SQLite is bounded by its busy timeout instead.

Outside a request (scheduler jobs, CLI) only the timeouts apply: no flag, no watchdog.
"""
from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g, has_app_context, has_request_context
from redis import ConnectionPool
from redis import Redis as RedisClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

import logs

log = logs.get(__name__)


# --- Redis -----------------------------------------------------------------------------------------------------------

def redis_down() -> bool:
    """True once Redis failed earlier in this request."""
    return has_request_context() and g.get("_redis_down", False)


def _mark_down(err: BaseException) -> None:
    if has_request_context() and not g.get("_redis_down", False):
        g._redis_down = True
        from metrics import redis_error   # metrics imports extensions, which imports this module
        redis_error()
        log.warning("redis down for this request", error=type(err).__name__)


_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


class RequestScopedRetry(Retry):
    """No retries; a failed command marks Redis down for the rest of the request."""

    def __init__(self) -> None:
        super().__init__(NoBackoff(), 0)

    def call_with_retry(self, do, fail, *args: Any, **kwargs: Any):
        if redis_down():
            raise RedisConnectionError("redis marked down for this request")
        try:
            return super().call_with_retry(do, fail, *args, **kwargs)
        except _FAILURES as err:
            _mark_down(err)
            raise


class RequestScopedPool(ConnectionPool):
    """A failed connect (or its handshake, which redis-py runs outside the retry) marks Redis down too, and a
    request already marked gets no connection at all."""

    def get_connection(self, *args: Any, **kwargs: Any):
        if redis_down():
            raise RedisConnectionError("redis marked down for this request")
        try:
            return super().get_connection(*args, **kwargs)
        except _FAILURES as err:
            _mark_down(err)
            raise


def redis_client(url: str, config: Any, **kwargs: Any) -> RedisClient:
    """A client for `url` with sub-second timeouts, no retries and the per-request down flag."""
    pool = RequestScopedPool.from_url(url, socket_timeout=float(config["REDIS_SOCKET_TIMEOUT"]),
                                      socket_connect_timeout=float(config["REDIS_CONNECT_TIMEOUT"]),
                                      retry=RequestScopedRetry(), health_check_interval=30, **kwargs)
    return RedisClient(connection_pool=pool)


# --- PostgreSQL and SQLite -------------------------------------------------------------------------------------------

class DeadlineExceeded(exc.OperationalError):
    """The request's database deadline passed; no more database work in this request."""

    def __init__(self) -> None:
        super().__init__("deadline", None, TimeoutError("database deadline passed for this request"),
                         connection_invalidated=True)


class Budget:
    """One request's database deadline and the connections it holds."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.connections: dict[int, Any] = {}
        self.expired = False
        self.done = False
        self.watched = False


class Watchdog:
    """One daemon thread: at each budget's deadline, shut down the sockets of the connections it still holds."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Budget]] = []
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def _watch(self, budget: Budget) -> None:
        """Under the lock: put `budget` on the clock (first connection only; most webhook messages use none)."""
        budget.watched = True
        heapq.heappush(self._heap, (budget.deadline, next(self._ids), budget))
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, daemon=True, name="db-watchdog")
            self._thread.start()
        if self._heap[0][2] is budget:
            self._cond.notify()

    def finish(self, budget: Budget) -> None:
        with self._cond:
            budget.done = True
            budget.connections.clear()

    def hold(self, budget: Budget, connection: Any) -> None:
        with self._cond:
            if budget.expired or time.monotonic() >= budget.deadline:
                budget.expired = True
                raise DeadlineExceeded()
            if not budget.watched:
                self._watch(budget)
            budget.connections[id(connection)] = connection

    def pause(self, budget: Budget) -> float:
        """Stop `budget`'s clock; returns the time it had left (the caller holds no connection meanwhile)."""
        with self._cond:
            left = budget.deadline - time.monotonic()
            if not budget.expired:
                budget.deadline = float("inf")
            return left

    def resume(self, budget: Budget, left: float) -> None:
        with self._cond:
            if budget.expired or budget.done:
                return
            budget.deadline = time.monotonic() + max(left, 0.0)
            if budget.watched:
                heapq.heappush(self._heap, (budget.deadline, next(self._ids), budget))
                if self._heap[0][2] is budget:
                    self._cond.notify()

    def release(self, budget: Budget, connection: Any) -> None:
        with self._cond:
            budget.connections.pop(id(connection), None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= time.monotonic()):
                    at, _, budget = heapq.heappop(self._heap)
                    if not budget.done and budget.deadline <= at:   # a later entry stands for a moved deadline
                        budget.expired = True
                        for connection in budget.connections.values():
                            _cut(connection)
                        if budget.connections:
                            log.warning("database deadline passed: connections cut", n=len(budget.connections))
                        budget.connections.clear()
                timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                self._cond.wait(timeout)


def _cut(connection: Any) -> None:
    """Shut down a psycopg connection's socket (a duplicate of its fd), so a blocked read returns at once."""
    try:
        fd = connection.pgconn.socket
    except Exception:  # noqa: BLE001 - closed already, or not psycopg (SQLite has no socket): nothing to cut
        return
    try:
        with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as dup:
            dup.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


watchdog = Watchdog()


def arm(seconds: float) -> None:
    """Give the current request a database deadline `seconds` from now (the webhook: inside WeChat's 5 s)."""
    g._db_budget = Budget(seconds)


def disarm() -> None:
    budget = g.pop("_db_budget", None) if has_app_context() else None
    if budget is not None:
        watchdog.finish(budget)


@contextmanager
def off_the_clock() -> Iterator[None]:
    """Work in memory that holds no connection (building the Q&A index) does not use up the request's deadline:
    the deadline is there to bound waiting on a store, and nothing here waits on one."""
    budget = _budget()
    if budget is None:
        yield
        return
    left = watchdog.pause(budget)
    try:
        yield
    finally:
        watchdog.resume(budget, left)


def _budget() -> Budget | None:
    return g.get("_db_budget") if has_app_context() else None


def time_left() -> float | None:
    """Seconds until the current request's database deadline; None when no deadline is armed."""
    budget = _budget()
    if budget is None or budget.done:
        return None
    return 0.0 if budget.expired else max(budget.deadline - time.monotonic(), 0.0)


# Left after a queued lock wait for the rest of the request's database work (insert, commit) and the reply.
QUEUE_RESERVE = 0.5
_WAIT_LONGER = text("SELECT set_config('lock_timeout', :ms, true), set_config('statement_timeout', :ms, true)")
_WAIT_AS_USUAL = text("SELECT set_config(name, reset_val, true) FROM pg_settings "
                      "WHERE name IN ('lock_timeout', 'statement_timeout')")


@contextmanager
def queued(session: Any) -> Iterator[None]:
    """Let the statements inside wait for a row lock until shortly before the request's deadline, instead of
    lock_timeout (1 s): for a lock that is a queue by design (every ballot of a poll takes its turn on the poll's hash
    chain), where a busy minute on 3·15 means waiting behind others, not a stuck holder. Outside a request, and on
    other databases, the usual timeouts apply. Use inside a savepoint: if the wait still times out
    (`lock_wait_expired`), rolling the savepoint back also restores the usual timeouts; otherwise they are restored
    here."""
    left = time_left()
    if left is None or session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(_WAIT_LONGER, {"ms": str(max(int((left - QUEUE_RESERVE) * 1000), 1))})
    yield
    session.execute(_WAIT_AS_USUAL)


def lock_wait_expired(err: exc.DBAPIError) -> bool:
    """PostgreSQL gave up waiting: lock_timeout (55P03) or statement_timeout (57014)."""
    return getattr(err.orig, "sqlstate", None) in {"55P03", "57014"}


@event.listens_for(Pool, "connect")
def _fresh(_dbapi_connection, record) -> None:
    record.info["fresh"] = True        # a new connection needs no ping


@event.listens_for(Engine, "do_connect")
def _refuse_after_deadline(_dialect, _record, _cargs, _cparams):
    budget = _budget()
    if budget is not None and budget.expired:
        raise DeadlineExceeded()


@event.listens_for(Pool, "checkout")
def _checkout(dbapi_connection, record, _proxy) -> None:
    if not hasattr(dbapi_connection, "pgconn"):
        return                          # SQLite / others: SQLAlchemy's own pre-ping where configured
    budget = _budget()
    if budget is not None:
        watchdog.hold(budget, dbapi_connection)
    if record.info.pop("fresh", False):
        return
    try:
        _ping(dbapi_connection)
    except Exception as err:  # noqa: BLE001 - any failure: this pooled connection is dead, let the pool replace it
        if budget is not None:
            watchdog.release(budget, dbapi_connection)
            if budget.expired:
                raise DeadlineExceeded() from err
        raise exc.DisconnectionError(f"ping failed: {type(err).__name__}") from err


@event.listens_for(Pool, "checkin")
def _checkin(dbapi_connection, _record) -> None:
    budget = _budget()
    if budget is not None and dbapi_connection is not None:
        watchdog.release(budget, dbapi_connection)


def _ping(connection: Any) -> None:
    """SQLAlchemy's psycopg ping (SELECT 1 outside a transaction), done under the watchdog."""
    autocommit = connection.autocommit
    if not autocommit:
        connection.autocommit = True
    try:
        connection.execute("SELECT 1")
    finally:
        if not autocommit and not connection.closed:
            connection.autocommit = False
