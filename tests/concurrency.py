"""Machinery for the no-lost-writes tests (tests/test_concurrency.py).

A *scenario* prepares data through the in-process app, returns the HTTP calls to fire at the real
server (gunicorn, several workers) all at once, and afterwards checks the responses against what the
database holds. ``fire`` sends the calls from a bounded pool of threads, released together by a barrier
so that they overlap, each with a short timeout. Adding a family's scenarios (image sets, set drafts)
means writing one more ``Scenario`` subclass and listing it in the test module's ``SCENARIOS``.

Checks every scenario gets for free (``check_common``): every call got an answer (no timeout or
connection error), no answer was a 5xx, and every answer carried an ``X-Request-Id``.
"""
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from sqlalchemy import text

from app.extensions import db
from tests.conftest import JSONAPI, PANOPTES

THREADS = 8
TIMEOUT = 20.0  # seconds per request


@dataclass
class Call:
    method: str
    path: str
    headers: dict
    body: object = None
    label: str = ""  # what the scenario needs to know about this call when checking


@dataclass
class Outcome:
    call: Call
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: object = None
    error: str | None = None
    seconds: float = 0.0

    @property
    def label(self):
        return self.call.label


def fire(base_url, calls, threads=THREADS, timeout=TIMEOUT):
    """Send every call, ``threads`` at a time, the first wave released together; outcomes in call order."""
    barrier = threading.Barrier(min(threads, len(calls)) or 1)
    local = threading.local()

    def send(call):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            try:
                barrier.wait(timeout=timeout)
            except threading.BrokenBarrierError:
                pass
        outcome = Outcome(call)
        data = None if call.body is None else json.dumps(call.body)
        started = time.perf_counter()
        try:
            response = session.request(call.method, base_url + call.path, headers=call.headers, data=data,
                                       timeout=timeout)
            outcome.status = response.status_code
            outcome.headers = dict(response.headers)
            try:
                outcome.body = response.json() if response.content else None
            except ValueError:
                outcome.body = response.text
        except requests.RequestException as exc:
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.seconds = time.perf_counter() - started
        return outcome

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(send, calls))


def check_common(outcomes):
    failed = [f"{o.call.method} {o.call.path}: {o.error}" for o in outcomes if o.error]
    assert not failed, f"requests without an answer: {failed}"
    server_errors = [(o.call.method, o.call.path, o.status, o.body) for o in outcomes if o.status >= 500]
    assert not server_errors, f"5xx answers under concurrency: {server_errors}"
    missing = [o.call.path for o in outcomes if not o.headers.get("X-Request-Id")]
    assert not missing, f"answers without X-Request-Id: {missing}"


def statuses(outcomes, label=None):
    """{status: count} of the outcomes (with ``label``, only those calls)."""
    counts = {}
    for outcome in outcomes:
        if label is None or outcome.label == label:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts


class Env:
    """What a scenario works with: the in-process app (for set-up and database checks), the People
    helper, the in-process test client, and the real server's base URL."""

    def __init__(self, app, people, client, base_url):
        self.app, self.people, self.client, self.base_url = app, people, client, base_url

    def rows(self, sql, **params):
        with self.app.app_context():
            try:
                return [tuple(r) for r in db.session.execute(text(sql), params)]
            finally:
                db.session.remove()

    def scalar(self, sql, **params):
        rows = self.rows(sql, **params)
        return rows[0][0] if rows else None

    def post(self, person, path, body, panoptes=False):
        """Set-up write through the in-process client; the parsed document of a 2xx answer."""
        headers = person.panoptes() if panoptes else person.jsonapi()
        response = self.client.post(path, headers=headers, data=json.dumps(body),
                                    content_type=PANOPTES if panoptes else JSONAPI)
        assert response.status_code in (200, 201), (path, response.status_code, response.get_data(True))
        return response.get_json()


class Scenario:
    """Subclasses set ``name`` and implement ``prepare(env) -> [Call]`` and ``verify(env, outcomes)``."""

    name = "scenario"

    def prepare(self, env):
        raise NotImplementedError

    def verify(self, env, outcomes):
        raise NotImplementedError

    def run(self, env):
        calls = self.prepare(env)
        outcomes = fire(env.base_url, calls)
        check_common(outcomes)
        self.verify(env, outcomes)
        return outcomes
