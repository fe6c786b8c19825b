"""Fixtures: an app on a real database (SQLite by default, TEST_DATABASE_URL for PostgreSQL),
a test client that validates every JSON:API response it receives, and helpers for people and tokens."""
import os
import tempfile

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.auth import issue_token
from app.extensions import db
from app.models import User, UserGroup, Membership
from app.models.people import GROUP_ADMIN, GROUP_MEMBER
from tests.jsonapi_checks import check_response

JSONAPI = "application/vnd.api+json"
PANOPTES = "application/vnd.api+json; version=1"


class ValidatingClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        query = response.request.query_string.decode() if response.request is not None else ""
        check_response(response.status_code, response.headers.get("Content-Type"), response.get_data(),
                       response.headers.get("Location"), query)
        return response


def _worker_database():
    """Under pytest-xdist each worker process gets a PostgreSQL database of its own, made beside the one
    TEST_DATABASE_URL names; the variable is rewritten so that servers the tests start use it too."""
    url, worker = os.environ.get("TEST_DATABASE_URL", ""), os.environ.get("PYTEST_XDIST_WORKER")
    if not (url.startswith("postgresql") and worker):
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    os.environ["TEST_DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


_worker_database()


def _database_url(tmpdir):
    return os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + os.path.join(tmpdir, "test.sqlite3")


@pytest.fixture(scope="session")
def _migrated_app():
    tmpdir = tempfile.mkdtemp(prefix="hyperapi-test-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": _database_url(tmpdir), "TESTING": True,
                      "QUERY_COUNT_HEADER": True, "SECRET_KEY": "test",
                      # a cheap hash keeps the suite fast; production uses scrypt (tests/test_config.py)
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    app.test_client_class = ValidatingClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
    return app


SEEDED = {"languages"}  # rows the migrations load


def _wipe():
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in SEEDED]
    for table in tables:
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_migrated_app):
    _migrated_app.config.update({"PANOPTES_DIALECT": True, "PAGE_SIZE_DEFAULT": 20, "PAGE_SIZE_MAX": 100,
                                 "INCLUDE_MAX_DEPTH": 3, "INCLUDE_MAX_RESOURCES": 5000, "LINKAGE_MAX": 100,
                                 "MAX_CONTENT_LENGTH": 10 * 1024 * 1024})
    with _migrated_app.app_context():
        _wipe()
    # login throttling counts live in the limiter's (per-process) storage; each test starts uncounted
    _migrated_app.extensions["hyperapi_limiter"].reset()
    yield _migrated_app
    with _migrated_app.app_context():
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class People:
    """Make users, groups and tokens in the test database."""

    def __init__(self, app):
        self.app = app

    def user(self, login, admin=False, password="correct horse"):
        with self.app.app_context():
            user = User(login=login, display_name=login.title(), email=f"{login}@example.org", admin=admin)
            user.password = password
            db.session.add(user)
            db.session.commit()
            token, _ = issue_token(user)
            return Person(user.id, login, token)

    def group(self, name, admin, *members):
        with self.app.app_context():
            group = UserGroup(name=name, display_name=name.title())
            db.session.add(group)
            db.session.flush()
            db.session.add(Membership(user_group_id=group.id, user_id=admin.id, role=GROUP_ADMIN))
            for member in members:
                db.session.add(Membership(user_group_id=group.id, user_id=member.id, role=GROUP_MEMBER))
            db.session.commit()
            return group.id


class Person:
    def __init__(self, id_, login, token):
        self.id, self.login, self.token = id_, login, token

    def headers(self, panoptes=False, **extra):
        headers = {"Accept": PANOPTES if panoptes else JSONAPI, "Authorization": f"Bearer {self.token}"}
        headers.update(extra)
        return headers

    def jsonapi(self, **extra):
        return self.headers(False, **extra)

    def panoptes(self, **extra):
        return self.headers(True, **extra)


@pytest.fixture
def people(app):
    return People(app)


def jsonapi_body(type_, attributes=None, relationships=None, id_=None):
    data = {"type": type_, "attributes": attributes or {}}
    if relationships:
        data["relationships"] = relationships
    if id_ is not None:
        data["id"] = str(id_)
    return {"data": data}
