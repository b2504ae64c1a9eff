"""Fixtures: `app`, `client`, `runner` (flaskr style), the `sim` fake WeChat API, and one actor per role.

The suite runs on embedded SQLite + fakeredis by default. CI runs it again against real services by setting
`TEST_DATABASE_URL` (PostgreSQL) and `TEST_REDIS_URL` (Redis). The schema is built once per session by the Alembic
migrations (so they are tested too); every test then starts from empty tables, an empty Redis and a fresh sim.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from app import adopt, create_app
from extensions import db, redis
from sim import serve_in_thread
from sim.client import SimUser
from sim.server import SimState
from tests.support.console import STAFF_PASSWORD, StaffLogin, read_csrf
from tests.support.wechat import APP_ID, TOKEN, transport_for

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
        # On a loaded test machine a cold Q&A index can take longer than WeChat's patience; tests that check the
        # late path set it (bot/late.py), the others want the passive reply.
        "WECHAT_LATE_AFTER": 120,
        # Likewise a push's database deadline (production: 3 s): with both CI passes on two cores, a request that
        # builds a snapshot can spend that long waiting for a core. The store-fault tests set production's value.
        "WEBHOOK_DB_DEADLINE": 60.0,
        # Tests switch between the real knowledge base and small ones of their own: keep the real one's ranking tables
        # (seconds to build) while they do.
        "FAQ_TABLES_KEPT": 3,
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
        upgrade(revision="head")


# The knowledge base as the `kb` fixture imported it: (database URL, fingerprint of its tables). A test that asks for
# `kb` after another one that left those tables exactly so finds them already there: hundreds of Q&A tests would
# otherwise import and delete the same 260 entries each (most of the suite's time on one core). Any change to an
# entry, a revision or a pin changes the fingerprint, and the next test starts from an empty database as before.
KNOWLEDGE_TABLES = frozenset({"knowledge_entries", "knowledge_revisions", "knowledge_pins"})
_imported_kb: tuple[str, str] | None = None


def _knowledge_fingerprint() -> tuple[str, str]:
    digest = hashlib.sha256()
    for name in sorted(KNOWLEDGE_TABLES):
        table = db.metadata.tables[name]
        for row in db.session.execute(table.select().order_by(table.c.id)):
            digest.update(repr(tuple(row)).encode("utf-8"))
        digest.update(b"|")
    return str(db.engine.url), digest.hexdigest()


def _kb_intact() -> bool:
    """True when the knowledge tables hold exactly what the `kb` fixture imported (call inside an app context)."""
    return _imported_kb is not None and _knowledge_fingerprint() == _imported_kb


def _empty(app, *, knowledge: str) -> bool:
    """Empty every table and Redis. `knowledge`: "drop" empties the knowledge tables too; "keep" leaves them and the
    Q&A index's version token (a test's end: the next test decides); "check" keeps them only when they are as the
    `kb` fixture imported them. Returns whether they were kept."""
    from services import keys
    with app.app_context():
        db.session.remove()
        kept = knowledge == "keep" or (knowledge == "check" and _kb_intact())
        for table in reversed(db.metadata.sorted_tables):
            if not (kept and table.name in KNOWLEDGE_TABLES):
                db.session.execute(table.delete())
        db.session.commit()
        token = redis.get(keys.faq_index_version()) if kept else None
        redis.flushdb()
        if token is not None:       # the snapshot built from these tables stays current: no rebuild per test
            redis.set(keys.faq_index_version(), token)
        return kept


# The `app` fixture's app, kept from test to test: building one costs about 0.1 s (werkzeug compiles its ~170 routes,
# flask-smorest its API schema), a sixth of a pass's time alone. Everything a test changes lives in the database, Redis
# and the sim, which every test empties; the process-wide settings another app may have changed are set again
# (app.adopt), and the WeChat token this process memoised from the previous test's sim is dropped. A test that
# changes the app itself (its config, or its extensions: a scheduler Runner registers itself) gets it thrown away
# afterwards, so the next test builds a new one.
_kept: tuple[object, dict, frozenset] | None = None     # (app, its config, its extensions' names) when built


def _default_app(base_config):
    global _kept
    if _kept is None:
        app = create_app(base_config)
        _kept = (app, dict(app.config), frozenset(app.extensions))
        return app
    app = _kept[0]
    adopt(app)
    app.extensions["wechat_api"].forget_token()
    return app


def _keep_unless_changed() -> None:
    global _kept
    if _kept is not None:
        app, config, extensions = _kept
        if dict(app.config) != config or frozenset(app.extensions) != extensions:
            _kept = None


@pytest.fixture
def make_app(request, base_config, _schema, sim):
    """Build an app with extra settings (e.g. AES on); tables, Redis and the sim start empty (but for an untouched
    knowledge base, when the test asks for `kb`). `make_app.default` is the `app` fixture's, kept between tests."""
    made = []

    def build(**overrides):
        app = create_app({**base_config, **overrides})
        made.append(app)
        return app

    build.default = _default_app(base_config)
    build.kb_kept = _empty(build.default, knowledge="check" if "kb" in request.fixturenames else "drop")
    yield build
    for app in [build.default, *made]:
        app.extensions["outbound"].drain()
    _empty(build.default, knowledge="keep")
    _keep_unless_changed()


@pytest.fixture
def app(make_app):
    return make_app.default


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


@pytest.fixture
def kb(app, make_app):
    """The real knowledge base (knowledge/entries), imported and committed as `flask seed` does, with this process's
    index built ahead as each gunicorn worker's warm-up does (cold, it can outlast WeChat's deadline). Returns `app`.
    When the previous test left the knowledge tables exactly as imported, they are kept instead (see `_empty`)."""
    global _imported_kb
    from services import faq
    with app.app_context():
        if not make_app.kb_kept:
            faq.import_dir()
            db.session.commit()
            _imported_kb = _knowledge_fingerprint()
        faq.loaded()
    return app


@pytest.fixture
def example_feature(monkeypatch):
    """Register tests/example_feature.py ahead of the real features (a test-only feature, not a mock)."""
    import handlers
    from tests import example_feature as feature
    monkeypatch.setattr(handlers, "FEATURES", [feature, *handlers.FEATURES])
    return feature


# --- Staff console (docs/console.md): accounts, signed-in clients, API tokens ------------------------------------

@pytest.fixture(scope="session")
def _staff_password_hash() -> str:
    """Hash the shared test password once (argon2 is deliberately slow)."""
    from services.staff import hash_password
    return hash_password(STAFF_PASSWORD)


@pytest.fixture
def departments(app) -> dict[str, int]:
    """Seed the county's default departments; returns {name: id}."""
    from services import departments as service
    with app.app_context():
        service.seed_defaults()
        db.session.commit()
        return {d.name: d.id for d in service.all_departments()}


@pytest.fixture
def staff_factory(app, _staff_password_hash):
    """`staff_factory(role="admin", department="食品安全股", username=..., password=..., active=True)`.

    `department` is a name or id (seed it first with the `departments` fixture) or None. Without `password` the
    account gets STAFF_PASSWORD, hashed once per session."""
    from itertools import count

    from models import Staff
    from services.clock import utcnow
    from services.staff import hash_password, resolve_department

    serial = count(1)

    def make(*, role: str = "staff", department: int | str | None = None, username: str | None = None,
             password: str | None = None, active: bool = True, display_name: str = "") -> StaffLogin:
        with app.app_context():
            person = Staff(username=username or f"{role}{next(serial)}", display_name=display_name, role=role,
                           password_hash=hash_password(password) if password else _staff_password_hash,
                           department=resolve_department(department), active=active, failed_logins=0,
                           created_at=utcnow())
            db.session.add(person)
            db.session.commit()
            return StaffLogin(person, password or STAFF_PASSWORD)
    return make


class ConsoleUser:
    """A signed-in browser session over the test client: `.get(url)`, `.post(url, data)` (CSRF token added)."""

    def __init__(self, client, csrf: str) -> None:
        self.client, self.csrf = client, csrf

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture
def logged_in(app):
    """`logged_in(client, staff)` → ConsoleUser: the client now carries that staff member's session."""
    from console.auth import session_fields
    from models import Staff

    def sign_in(client, staff: StaffLogin) -> ConsoleUser:
        with app.app_context():
            fields = session_fields(db.session.get(Staff, staff.id))
        with client.session_transaction() as sess:
            sess.update(fields)
            sess.permanent = True
        page = client.get("/console/")
        assert page.status_code == 200, page.status_code
        return ConsoleUser(client, read_csrf(page.get_data(as_text=True)))
    return sign_in


@pytest.fixture
def api_token(app):
    """`api_token(staff)` → a bearer token string for that staff member (`Authorization: Bearer <token>`)."""
    from models import Staff
    from services import api_tokens
    from services.clock import utcnow

    def issue(staff: StaffLogin, *, hours: int = 1) -> str:
        with app.app_context():
            _, plain = api_tokens.issue(staff=db.session.get(Staff, staff.id), now=utcnow(), hours=hours)
            db.session.commit()
            return plain
    return issue
