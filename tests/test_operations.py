"""Operations: the health endpoint, request ids and structured request logs, a database that is
briefly unreachable (503 with a JSON error, recovery without a restart), and the serving set-up
(SQLite's WAL and busy timeout; on PostgreSQL, the cluster stopped and started under gunicorn)."""
import json
import logging
import os
import re
import subprocess
import time

import pytest
import requests
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import JSONAPI, PANOPTES, jsonapi_body
from tests.gunicorn_server import GunicornServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def script_head():
    return ScriptDirectory(os.path.join(ROOT, "migrations")).get_current_head()


# -- health -----------------------------------------------------------------------------------------

def test_health_reports_the_database_and_its_migration(client):
    response = client.get("/api/health", headers={"Accept": JSONAPI})
    assert response.status_code == 200
    meta = response.get_json()["meta"]
    assert meta["status"] == "ok" and meta["database"] == "ok"
    assert meta["migration"] == meta["migration_head"] == script_head()
    assert meta["migrated"] is True
    panoptes = client.get("/api/health", headers={"Accept": PANOPTES}).get_json()
    assert panoptes["health"]["migration"] == script_head()


def _unreachable_app():
    """The app pointed at a PostgreSQL port where nothing listens: every connection attempt fails."""
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return create_app({"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://nobody:x@127.0.0.1:{port}/none",
                       "TESTING": True, "SECRET_KEY": "test"})


@pytest.mark.parametrize("url", ["/api/health", "/api/collections", "/api/collections/1", "/api/users?include=user_groups"])
def test_an_unreachable_database_is_a_503_with_a_json_error(url):
    client = _unreachable_app().test_client()
    for accept, dialect_key in ((JSONAPI, "code"), (PANOPTES, "message")):
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 503, response.get_data(True)
        assert response.headers["Content-Type"] == accept
        assert response.headers["Retry-After"] == "1"
        error = response.get_json()["errors"][0]
        assert dialect_key in error
        if accept == JSONAPI:
            assert error["code"] == "database_unavailable" and error["status"] == "503"


def test_an_unreachable_database_is_a_503_for_writes_too():
    client = _unreachable_app().test_client()
    response = client.post("/api/collections", headers={"Accept": JSONAPI, "Authorization": "Bearer abc"},
                           data=json.dumps(jsonapi_body("collections", {"display_name": "x"})),
                           content_type=JSONAPI)
    assert response.status_code == 503
    assert response.get_json()["errors"][0]["code"] == "database_unavailable"


# -- request ids and logs ---------------------------------------------------------------------------

def test_request_id_is_echoed_or_generated(client):
    response = client.get("/api/health", headers={"Accept": JSONAPI, "X-Request-Id": "lb-7f3a:42"})
    assert response.headers["X-Request-Id"] == "lb-7f3a:42"
    generated = client.get("/api/health", headers={"Accept": JSONAPI}).headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/api/health").headers["X-Request-Id"] != generated
    # an implausible id (too long, odd characters) is replaced, not echoed into logs and headers
    for bad in ("x" * 200, "a b", "<script>"):
        replaced = client.get("/api/health", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{32}", replaced)


def test_errors_carry_a_request_id_too(client):
    response = client.get("/api/nothing-here", headers={"Accept": JSONAPI, "X-Request-Id": "abc-1"})
    assert response.status_code == 404 and response.headers["X-Request-Id"] == "abc-1"


@pytest.fixture
def request_log(caplog):
    """caplog, fed by the request logger directly (it does not propagate once it has its own handler)."""
    logger = logging.getLogger("hyperapi.request")
    propagate = logger.propagate
    logger.addHandler(caplog.handler)
    logger.propagate = False
    caplog.set_level(logging.INFO, logger="hyperapi.request")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate = propagate


def test_one_structured_log_line_per_request(client, people, request_log):
    caplog = request_log
    alice = people.user("alice")
    client.get("/api/collections?page[size]=5", headers=alice.jsonapi(**{"X-Request-Id": "req-1"}))
    client.get("/api/collections/999", headers={"Accept": JSONAPI, "X-Request-Id": "req-2"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "hyperapi.request"]
    assert [line["request_id"] for line in lines] == ["req-1", "req-2"]
    first, second = lines
    assert first["method"] == "GET" and first["path"] == "/api/collections" and first["query"] == "page[size]=5"
    assert first["status"] == 200 and first["caller"] == alice.id and first["queries"] >= 1
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert second["status"] == 404 and second["caller"] is None
    assert {"time", "event", "remote", "pid"} <= set(first)


def test_request_log_can_be_turned_off(app, client, request_log):
    caplog = request_log
    app.config["REQUEST_LOG"] = False
    try:
        response = client.get("/api/health", headers={"X-Request-Id": "quiet"})
    finally:
        app.config["REQUEST_LOG"] = True
    assert response.headers["X-Request-Id"] == "quiet"
    assert not [r for r in caplog.records if r.name == "hyperapi.request"]


# -- SQLite serving set-up --------------------------------------------------------------------------

def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "wal.sqlite3")})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


# -- PostgreSQL: the cluster goes away and comes back under gunicorn --------------------------------

def _postgres_cluster_control():
    url = os.environ.get("TEST_DATABASE_URL", "")
    stop, start = os.environ.get("TEST_PG_STOP"), os.environ.get("TEST_PG_START")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL); run `make test-postgres`")
    if not (stop and start):
        pytest.skip("needs TEST_PG_STOP and TEST_PG_START (exported by scripts/with-postgres.sh)")
    return stop, start


def _run(command):
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"


def _wait_for(base_url, status, timeout=30.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = requests.get(base_url + "/api/health", headers={"Accept": JSONAPI}, timeout=5)
            if last.status_code == status:
                return last
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"/api/health did not answer {status} within {timeout} s; last: {last}")


@pytest.mark.cluster
def test_postgres_outage_gives_503_then_recovers_without_restart(app, people, client):
    stop, start = _postgres_cluster_control()
    alice = people.user("alice")
    headers = alice.jsonapi(**{"Content-Type": JSONAPI})
    body = json.dumps(jsonapi_body("collections", {"display_name": "Before"}))
    with GunicornServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=2) as server:
        base = server.base_url
        # every worker has a pooled connection before the outage
        for _ in range(8):
            assert requests.post(base + "/api/collections", headers=headers, data=body, timeout=10).status_code == 201
        stopped = False
        try:
            _run(stop)
            stopped = True
            down = _wait_for(base, 503, timeout=15)
            assert down.headers["Content-Type"] == JSONAPI
            assert down.json()["errors"][0]["code"] == "database_unavailable"
            for _ in range(6):  # reads and writes alike, on every worker
                read = requests.get(base + "/api/collections", headers=headers, timeout=10)
                write = requests.post(base + "/api/collections", headers=headers, data=body, timeout=10)
                for response in (read, write):
                    assert response.status_code == 503, response.text
                    assert response.headers["Retry-After"] == "1"
                    assert response.json()["errors"][0]["code"] == "database_unavailable"
                    assert response.headers["X-Request-Id"]
            _run(start)
            stopped = False
            _wait_for(base, 200, timeout=30)
            # the same processes serve again: every worker reconnects by itself
            after = json.dumps(jsonapi_body("collections", {"display_name": "After"}))
            for _ in range(8):
                response = requests.post(base + "/api/collections", headers=headers, data=after, timeout=10)
                assert response.status_code == 201, response.text
            listed = requests.get(base + "/api/collections?page[size]=100", headers=headers, timeout=10)
            assert listed.status_code == 200 and len(listed.json()["data"]) == 16
            logged = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
            assert {line["status"] for line in logged} <= {200, 201, 503}
        finally:
            if stopped:
                _run(start)
            with app.app_context():
                db.engine.dispose()  # the in-process app's pooled connections died with the cluster
