"""The migrations build exactly the schema the models describe, on a fresh database."""
import os
import tempfile

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db


def _fresh_app():
    url = os.environ.get("TEST_DATABASE_URL")
    if url:  # the shared test database already holds the schema; compare against it
        return create_app({"SQLALCHEMY_DATABASE_URI": url}), False
    path = os.path.join(tempfile.mkdtemp(prefix="hyperapi-migrations-"), "fresh.sqlite3")
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + path}), True


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_builds_every_table_and_matches_the_models(_migrated_app):
    app, fresh = _fresh_app()
    with app.app_context():
        if fresh:
            upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        assert "alembic_version" in tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"


def test_case_insensitive_uniqueness_is_enforced_by_the_migrated_schema(tmp_path):
    from sqlalchemy.exc import IntegrityError

    from app.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "ci.sqlite3")})
    with app.app_context():
        upgrade()
        db.session.add(User(login="Alice", display_name="A"))
        db.session.commit()
        db.session.add(User(login="alice", display_name="B"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_downgrade_to_base_and_back(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "roundtrip.sqlite3")})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "collections" in inspect(db.engine).get_table_names()


def test_cli_db_upgrade_builds_an_empty_database(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, DATABASE_URL="sqlite:///" + str(tmp_path / "cli.sqlite3"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    result = subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.sqlite3").exists()
