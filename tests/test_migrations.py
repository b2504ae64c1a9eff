"""The Alembic history is one line, and the migrated schema is exactly what the models declare."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from extensions import db

IGNORED_TABLES = {"apscheduler_jobs"}   # created by APScheduler's own job store, not by our migrations


def test_single_head(app):
    """`flask db upgrade` has exactly one head to go to."""
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1


def test_migrations_match_models(app):
    """After `upgrade head` the database has no difference from the models (no table without a migration)."""
    with app.app_context():
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = [d for d in compare_metadata(ctx, db.metadata)
                    if not (d[0] in {"add_table", "remove_table"} and d[1].name in IGNORED_TABLES)]
    assert diff == []
