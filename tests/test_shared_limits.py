"""RATE_LIMIT and the login throttle counted in one shared backend (RATELIMIT_STORAGE_URI=redis://…) by
several machines: two gunicorn servers (3 processes in all) on the suite's database and a real Redis server
(scripts/with-redis.sh; `make test` runs this in its PostgreSQL pass). With memory:// each process would
count alone and let through several times the limit."""
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.conftest import JSONAPI
from tests.gunicorn_server import GunicornServer

REDIS = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="needs a Redis server: run under scripts/with-redis.sh")


def status_of(request):
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def get(server, path):
    return status_of(urllib.request.Request(server.base_url + path, headers={"Accept": JSONAPI}))


def password_grant(server, login, password):
    form = urllib.parse.urlencode({"grant_type": "password", "login": login, "password": password}).encode()
    return status_of(urllib.request.Request(server.base_url + "/oauth/token", data=form, method="POST"))


@pytest.fixture(scope="module")
def machines(_migrated_app):
    """Two servers sharing one Redis under a prefix of their own (so no other run's counts mix in)."""
    env = {"RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": f"hyperapi-test-{uuid.uuid4().hex}",
           "RATE_LIMIT": "6 per minute", "LOGIN_LIMIT_ACCOUNT": "3 per 15 minutes"}
    url = _migrated_app.config["SQLALCHEMY_DATABASE_URI"]
    with GunicornServer(url, workers=2, env=env, request_log=False) as first, \
            GunicornServer(url, workers=1, env=env, request_log=False) as second:
        yield first, second


def test_rate_limit_counts_are_shared_by_every_process_of_every_machine(machines):
    first, second = machines
    answers = [get(server, "/api/collections") for server in (first, second) * 3]   # 6: the limit
    assert answers == [200] * 6
    assert [get(first, "/api/collections"), get(second, "/api/collections")] == [429] * 2
    assert get(second, "/api/health") == 200           # load balancers' checks are never limited


def test_failed_sign_ins_are_counted_across_machines(people, machines):
    people.user("alice", password="correct horse")
    first, second = machines
    assert [password_grant(first, "alice", "wrong"), password_grant(second, "alice", "wrong"),
            password_grant(first, "alice", "wrong")] == [400, 400, 400]
    # the account's 3 failures were counted on two machines; the right password is refused on either now
    assert password_grant(second, "alice", "correct horse") == 429
