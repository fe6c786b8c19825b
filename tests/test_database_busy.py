"""A database that is busy answers 503 database_unavailable with Retry-After, never 500: SQLite's
``database is locked`` once the (configurable) busy timeout runs out while another connection holds the
write lock. The request log line still names the authenticated caller."""
import json
import logging
import os
import sqlite3
import tempfile
import time

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import JSONAPI, PANOPTES, People, jsonapi_body

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="SQLite's write lock and busy timeout")


@pytest.fixture
def busy_app():
    path = os.path.join(tempfile.mkdtemp(prefix="hyperapi-busy-"), "busy.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + path, "TESTING": True, "SECRET_KEY": "test",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SQLITE_BUSY_TIMEOUT": 150})
    with app.app_context():
        upgrade()
    yield app, path
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def request_lines():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(json.loads(record.getMessage()))

    logger = logging.getLogger("hyperapi.request")
    handler = Keep()
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def test_sqlite_lock_timeout_is_a_503_with_the_caller_logged(busy_app, request_lines):
    app, path = busy_app
    alice = People(app).user("alice")
    client = app.test_client()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        for headers, key in ((alice.jsonapi(), "code"), (alice.panoptes(), "message")):
            started = time.monotonic()
            if key == "code":
                response = client.post("/api/collections", headers=headers, content_type=JSONAPI,
                                       json=jsonapi_body("collections", {"display_name": "Waits"}))
            else:
                response = client.post("/api/collections", headers=headers, content_type=PANOPTES,
                                       json={"collections": {"display_name": "Waits"}})
            waited = time.monotonic() - started
            assert response.status_code == 503, response.get_data(as_text=True)
            assert response.headers["Retry-After"] == "1"
            error = response.get_json()["errors"][0]
            assert key in error
            if key == "code":
                assert error["code"] == "database_unavailable" and error["status"] == "503"
            assert waited < 5  # the short busy timeout applied, not the 10 s default
        lines = [line for line in request_lines if line["path"] == "/api/collections"]
        assert [(line["status"], line["caller"]) for line in lines] == [(503, alice.id), (503, alice.id)]
        # reads do not wait for the writer (WAL)
        assert client.get("/api/collections", headers=alice.jsonapi()).status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # once the lock is released, the same write succeeds and nothing of the failed ones was written
    response = client.post("/api/collections", headers=alice.jsonapi(), content_type=JSONAPI,
                           json=jsonapi_body("collections", {"display_name": "Waits"}))
    assert response.status_code == 201, response.get_data(as_text=True)
    listed = client.get("/api/collections", headers=alice.jsonapi()).get_json()["data"]
    assert [c["attributes"]["display_name"] for c in listed] == ["Waits"]


def test_busy_timeout_is_a_setting():
    from app.config import from_environment

    assert from_environment("/tmp", {})["SQLITE_BUSY_TIMEOUT"] == 10000
    assert from_environment("/tmp", {"SQLITE_BUSY_TIMEOUT": "250"})["SQLITE_BUSY_TIMEOUT"] == 250
