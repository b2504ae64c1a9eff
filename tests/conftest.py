"""Fixtures: `app`, `client`, `runner` (flaskr style), the `sim` fake WeChat API, and one actor per role.

The suite runs on embedded SQLite + fakeredis by default. CI runs it again against real services by setting
`TEST_DATABASE_URL` (PostgreSQL) and `TEST_REDIS_URL` (Redis). The schema is built once per session by the Alembic
migrations (so they are tested too); every test then starts from empty tables, an empty Redis and a fresh sim.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from extensions import db, redis
from sim import serve_in_thread
from sim.client import SimUser
from sim.server import SimState

TOKEN = "testtoken315"
APP_ID = "wxtest00000000315"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the sim server's request lines are noise


@pytest.fixture(scope="session")
def sim_server() -> Iterator[tuple[SimState, str]]:
    state = SimState()
    server, url = serve_in_thread(state=state)
    yield state, url
    server.shutdown()


@pytest.fixture(scope="session")
def base_config(tmp_path_factory, sim_server) -> dict[str, object]:
    database = os.environ.get("TEST_DATABASE_URL") or \
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return {
        "TESTING": True,
        "DATABASE_URL": database,
        "REDIS_URL": os.environ.get("TEST_REDIS_URL") or "",
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": "testsecret",
        "WECHAT_AES_KEY": "",
        "WECHAT_API_BASE": sim_server[1],
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": True,
    }


@pytest.fixture(scope="session")
def _schema(base_config) -> None:
    """Build the schema once, from the migrations."""
    from flask_migrate import upgrade

    app = create_app(base_config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        elif db.engine.dialect.name in {"mysql", "mariadb"}:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade(revision="heads")


def _empty(app) -> None:
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        redis.flushdb()


@pytest.fixture
def make_app(base_config, _schema, sim):
    """Build an app with extra settings (e.g. AES on); tables, Redis and the sim start empty."""
    made = []

    def build(**overrides):
        app = create_app({**base_config, **overrides})
        made.append(app)
        return app

    _empty(build())
    yield build
    for app in made:
        app.extensions["outbound"].drain()
    _empty(made[0])


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def sim(sim_server):
    """The fake WeChat API, reset for each test: `sim.state` for direct reads, `sim.url` for HTTP."""
    import requests

    requests.post(f"{sim_server[1]}/sim/reset", timeout=5).raise_for_status()

    class Sim:
        state, url = sim_server

        def configure(self, **body):
            import requests
            requests.post(f"{self.url}/sim/config", json=body, timeout=5).raise_for_status()

        def inbox(self, openid: str) -> list[dict]:
            return list(self.state.inbox.get(openid, []))
    return Sim()


def transport_for(app):
    """A sim transport over Flask's test client; drains follow-up messages after each post."""
    client = app.test_client()

    def post(path: str, params: dict[str, str], body: bytes) -> tuple[int, str]:
        res = client.post(path, query_string=params, data=body, content_type="text/xml")
        app.extensions["outbound"].drain()
        return res.status_code, res.get_data(as_text=True)
    return post


@pytest.fixture
def wechat(app, sim):
    """A consumer on their phone: `wechat.say("投诉")`, `wechat.click("POLL")`, `wechat.inbox()`."""
    return SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid="o_consumer_1", api_base=sim.url)


@pytest.fixture
def consumer(app, sim):
    """Another follower factory: `consumer("o_other")`."""
    def make(openid: str, **kwargs) -> SimUser:
        return SimUser(transport_for(app), token=TOKEN, app_id=APP_ID, openid=openid, api_base=sim.url, **kwargs)
    return make


@pytest.fixture
def live_app(app):
    """The app served over real HTTP by a threaded server, for concurrency tests. Yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class FakeClock:
    """A controllable clock for the webhook (`CLOCK` setting): starts now, moves only when told."""

    def __init__(self):
        from services.clock import utcnow
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        from datetime import timedelta
        self.now += timedelta(**delta)


@pytest.fixture
def example_feature(monkeypatch):
    """Register tests/example_feature.py ahead of the real features (a test-only feature, not a mock)."""
    import handlers
    from tests import example_feature as feature
    monkeypatch.setattr(handlers, "FEATURES", [feature, *handlers.FEATURES])
    return feature
