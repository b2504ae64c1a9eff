"""The publication-kind migration: rows written with the Chinese labels become codes on upgrade and labels again on
downgrade, on SQLite and (when a server is reachable) PostgreSQL; afterwards the chat still finds the old rows."""
from __future__ import annotations

import os
import secrets

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from extensions import db

BEFORE, REVISION = "20261205_campaign_qa_tally", "20261205_publication_kind_codes"
SERVER = os.environ.get("TEST_DATABASE_URL", "")
SERVER = SERVER if SERVER.startswith("postgresql") else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LABELS = {"消费警示": "warning", "消费提示": "tip", "典型案例": "case", "抽检结果": "sampling"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A new, empty database of each dialect (the PostgreSQL one dropped afterwards; skipped without a server)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kinds.sqlite3'}"
        return
    admin = create_engine(make_url(SERVER).set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 2})
    try:
        admin.connect().close()
    except Exception as exc:  # noqa: BLE001 - any failure: no server to migrate
        admin.dispose()
        pytest.skip(f"no PostgreSQL server ({type(exc).__name__})")
    name = f"cp_kinds_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _kinds(table: str) -> list[str]:
    return list(db.session.execute(text(f"SELECT kind FROM {table} ORDER BY id")).scalars())


def test_old_label_rows_become_codes_and_back(make_app, empty_database):
    """Publications and 退订 choices stored as 消费警示 … read warning … after upgrade and 消费警示 … after downgrade."""
    app = make_app(DATABASE_URL=empty_database)
    with app.app_context():
        upgrade(revision=BEFORE)
        for n, label in enumerate(LABELS, start=1):
            db.session.execute(text(
                "INSERT INTO publications (id, kind, title, summary, body, tags, status, strategy, audience, author,"
                " created_at, updated_at, published_at) VALUES (:id, :kind, :title, '', '', '', 'sent', 'each', 'all',"
                " 'w', :at, :at, :at)"), {"id": n, "kind": label, "title": f"旧推送{n}", "at": "2026-12-01 00:00:00"})
            db.session.execute(text(
                "INSERT INTO publication_preferences (id, openid, kind, subscribed, updated_at)"
                " VALUES (:id, 'o_old', :kind, :sub, :at)"), {"id": n, "kind": label, "sub": n % 2 == 0,
                                                               "at": "2026-12-01 00:00:00"})
        db.session.commit()

        upgrade(revision=REVISION)
        assert _kinds("publications") == _kinds("publication_preferences") == list(LABELS.values())

        from services import audience, publication_views
        assert [p.title for p in publication_views.latest(kind="warning")] == ["旧推送1"]
        assert audience.preferences("o_old") == {"warning": False, "tip": True, "case": False, "sampling": True}
        db.session.commit()

        downgrade(revision=BEFORE)
        assert _kinds("publications") == _kinds("publication_preferences") == list(LABELS)
        db.session.remove()
        db.engine.dispose()
