"""Backup and restore as docs/operations.md tells it: scripts/backup dumps a live database, scripts/restore loads
the file into a fresh database (and refuses one that is not empty), and the app runs on the restored copy; and
`flask db downgrade <rev>` past the released migrations' merge point works when named explicitly."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from extensions import db
from models import CalendarYear
from models.complaint import Case
from services import departments, deadlines, work_calendar
from services.calendar_files import parse
from services.clock import utcnow
from sim.client import SimUser
from tests.support.complaints import file_case
from tests.support.wechat import APP_ID, TOKEN, transport_for

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("TEST_DATABASE_URL", "")
SERVER = SERVER if SERVER.startswith("postgresql") else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCHEDULE = ROOT / "tests" / "data" / "calendar_2027.yaml"


def _server_or_skip():
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.skip("PostgreSQL client tools (pg_dump, pg_restore, psql) are not installed")
    engine = create_engine(make_url(SERVER).set(database="postgres"), isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 2})
    try:
        engine.connect().close()
    except Exception as exc:  # noqa: BLE001 - any failure: no server to restore into
        pytest.skip(f"no PostgreSQL server at {make_url(SERVER).host}:{make_url(SERVER).port} ({type(exc).__name__})")
    return engine


@pytest.fixture
def databases():
    """Two new, empty databases on the PostgreSQL server (dropped afterwards): (source URL, target URL)."""
    admin = _server_or_skip()
    suffix = secrets.token_hex(4)
    names = [f"cp_restore_src_{suffix}", f"cp_restore_dst_{suffix}"]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield [make_url(SERVER).set(database=name).render_as_string(hide_password=False) for name in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / script), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def _head() -> str:
    """The migrations' single head, read from the scripts (later releases add revisions after this one)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def test_backup_restores_into_a_fresh_database_and_the_app_runs_on_it(make_app, sim, databases, tmp_path):
    """A case and an imported calendar year survive backup → restore; the restored app answers /healthz and the
    consumer's 查询 with their case; restoring again over it is refused."""
    source, target = databases
    from flask_migrate import upgrade

    live = make_app(DATABASE_URL=source)
    with live.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="head")
        departments.seed_defaults()
        deadlines.seed_clocks()
        work_calendar.import_schedule(parse(SCHEDULE.read_text(encoding="utf-8")), actor="test", now=utcnow())
        db.session.commit()
        number = file_case(now=utcnow()).number
        db.session.remove()
        db.engine.dispose()

    backup = _run("backup", env={"DATABASE_URL": source, "BACKUP_DIR": str(tmp_path), "BACKUP_KEEP_DAYS": "30"})
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.parent == tmp_path and dump.stat().st_size > 0 and oct(dump.stat().st_mode)[-3:] == "600"
    restored = _run("restore", str(dump), target, env={})
    assert restored.returncode == 0, restored.stderr

    copy = make_app(DATABASE_URL=target)
    client = copy.test_client()
    assert client.get("/healthz").status_code == 200
    with copy.app_context():
        assert db.session.scalar(select(Case.number)) == number
        assert db.session.get(CalendarYear, 2027) is not None
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert head == _head()
    consumer = SimUser(transport_for(copy), token=TOKEN, app_id=APP_ID, openid="o_consumer_1", api_base=sim.url)
    assert number in consumer.say("查询").text
    with copy.app_context():
        db.session.remove()
        db.engine.dispose()

    again = _run("restore", str(dump), target, env={})
    assert again.returncode == 2 and "already has" in again.stderr


def test_downgrade_past_the_merge_is_named_explicitly(make_app, databases):
    """`db downgrade 0007_merge_features` undoes this release's migration and `db upgrade` redoes it; a relative
    step from the merge point is ambiguous in Alembic, so docs/operations.md names revisions instead."""
    from flask_migrate import downgrade, upgrade

    app = make_app(DATABASE_URL=databases[0])
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="head")
        downgrade(directory=str(ROOT / "migrations"), revision="0007_merge_features")
        db.session.remove()
        tables = set(db.session.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).scalars())
        assert "calendar_years" not in tables and "cases" in tables
        upgrade(directory=str(ROOT / "migrations"), revision="head")
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
        db.session.remove()
        db.engine.dispose()
