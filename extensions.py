"""Shared extensions, created unbound and bound in `create_app` (no I/O at import).

`db` is Flask-SQLAlchemy over SQLAlchemy 2.0. `redis` is a small proxy: a real client when `REDIS_URL` is set,
otherwise one in-process fakeredis server shared by the whole process (single process only).
"""
from __future__ import annotations

from typing import Any

import fakeredis
from flask import current_app, has_app_context
import redis as redis_lib
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

import bounds  # noqa: F401  (also registers the database deadline's pool events)

# Stable constraint names, so Alembic migrations are the same on SQLite, PostgreSQL and MariaDB.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Embedded SQLite: WAL (the busy timeout comes from config), so concurrent writers wait instead of failing."""
    if type(dbapi_connection).__module__ == "sqlite3":
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")   # the busy timeout is DB_BUSY_TIMEOUT (connect_args, config.py)
        cursor.close()
migrate = Migrate()


class RedisProxy:
    """Forward every call to the current app's client (or the last one bound, outside an app context)."""

    def __init__(self) -> None:
        self._client: redis_lib.Redis | None = None
        self.embedded = False

    def init_app(self, app) -> None:
        url = app.config.get("REDIS_URL")
        if url:
            # bounds.py: sub-second timeouts, no retries, one failure per request (issue 12)
            app.extensions["redis"] = bounds.redis_client(url, app.config, decode_responses=True)
        else:
            app.extensions["redis"] = fakeredis.FakeRedis(server=_embedded_server(), decode_responses=True)
        self.bind(app)

    def bind(self, app) -> None:
        """Make `app`'s client the one used outside an app context (`init_app` does; see app.adopt)."""
        self._client = app.extensions["redis"]
        self.embedded = isinstance(self._client, fakeredis.FakeRedis)

    @property
    def client(self) -> redis_lib.Redis:
        if has_app_context():  # several apps may live in one process (tests): use the current one's
            return current_app.extensions["redis"]
        if self._client is None:
            raise RuntimeError("redis used before create_app bound it")
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


_server: fakeredis.FakeServer | None = None


def _embedded_server() -> fakeredis.FakeServer:
    global _server
    if _server is None:
        _server = fakeredis.FakeServer()
    return _server


redis = RedisProxy()
