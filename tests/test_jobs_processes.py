"""Jobs with real processes: gunicorn (2 workers) and ``flask jobs worker`` on the suite's database and queue
(PostgreSQL and Redis under `make test`'s first pass, SQLite and Huey's SQLite file in the second).

- A worker killed with ``kill -9`` in the middle of an import: the job is not left running, nothing of it is
  stored by the dead run, and a worker started afterwards runs it again to one image set.
- More slow imports than gunicorn has workers, from a loopback server that drips its body: each request
  answers 202 at once and reads keep their normal answers while the imports run.
Bounded: a few seconds each, every loop with a deadline.
"""
import json
import statistics
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.image_sets import Image, ImageSet
from app.models.jobs import Job
from app.services.iiif import synthetic_manifest
from tests.conftest import JSONAPI
from tests.gunicorn_server import GunicornServer
from tests.iiif_server import FixtureServer
from tests.job_worker import JobWorker
from tests.writing_helpers import create_collection

CANVASES = 120
LEASE = "1"


@pytest.fixture(scope="module")
def manifests():
    server = FixtureServer()
    yield server
    server.close()


def stack_env(app, manifests):
    return {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "JOBS_QUEUE_URL": app.config["JOBS_QUEUE_URL"],
            "JOBS_QUEUE_NAME": app.config["JOBS_QUEUE_NAME"], "JOB_LEASE": LEASE, "REQUEST_LOG": "false",
            "MANIFEST_FETCH_ALLOWLIST": f"127.0.0.1:{manifests.port}", "SECRET_KEY": "concurrency-test",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


@pytest.fixture(scope="module")
def web(_migrated_app, manifests):
    env = stack_env(_migrated_app, manifests)
    with GunicornServer(env["DATABASE_URL"], workers=2, env=env, request_log=False) as running:
        yield running


def call(base, method, path, person, body=None, headers=None, timeout=20):
    """(status, headers, parsed body or None, seconds) of one request on a new connection; redirects are not
    followed, so a completed job's 303 is seen as such."""
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Accept": JSONAPI, "Authorization": f"Bearer {person.token}", **(headers or {})}
    if data is not None:
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=sent)
    opener = urllib.request.build_opener(NoRedirect)
    start = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            status, head, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, raw = error.code, error.headers, error.read()
    return status, head, (json.loads(raw) if raw else None), time.monotonic() - start


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def dripping_manifest(manifests, name, seconds):
    body = json.dumps(synthetic_manifest(CANVASES, base=f"https://iiif.example.org/{name}")).encode()
    return manifests.route(f"/drip/{name}.json", body, content_type="application/ld+json", drip=seconds)


def start_import(web, person, collection, url):
    status, head, doc, seconds = call(web.base_url, "POST", f"/api/collections/{collection}/import/manifest",
                                      person, {"manifest": url}, {"Prefer": "respond-async"})
    assert status == 202, doc
    assert head["Content-Location"].endswith(f"/api/jobs/{doc['data']['id']}")
    return int(doc["data"]["id"]), seconds


def job_status(app, job_id):
    with app.app_context():
        job = db.session.get(Job, job_id)
        return (job.status, job.attempt) if job is not None else (None, None)


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(ImageSet)),
                db.session.scalar(select(func.count()).select_from(Image)))


def test_a_killed_worker_leaves_no_job_running_and_the_import_happens_once(app, client, people, web, manifests):
    owner = people.user("owner")
    collection = create_collection(client, owner, "Killed")
    url = dripping_manifest(manifests, "killed", seconds=2.0)
    env = stack_env(app, manifests)
    job_id, _ = start_import(web, owner, collection, url)

    first = JobWorker(env).start()
    try:
        wait_for(lambda: job_status(app, job_id) == ("running", 1), 15, "the first worker claims the job")
        time.sleep(0.5)                                 # in the middle of the fetch
        first.kill()
    finally:
        first.stop()
    assert job_status(app, job_id) == ("running", 1)    # what the dead worker left, until its lease runs out
    assert counts(app) == (0, 0)
    time.sleep(float(LEASE) + 0.3)

    with JobWorker(env) as second:                      # a restarted worker reaps the job and runs it again
        wait_for(lambda: job_status(app, job_id)[0] in ("completed", "failed"), 20,
                 f"the job finishes after the restart\n{second.log_text()}")
    assert job_status(app, job_id) == ("completed", 2)
    assert counts(app) == (1, CANVASES)
    status, head, _doc, _s = call(web.base_url, "GET", f"/api/jobs/{job_id}", owner)
    assert status == 303 and f"/api/collections/{collection}/image-sets/" in head["Location"]


def test_reads_keep_answering_while_more_slow_imports_run_than_gunicorn_has_workers(app, client, people, web,
                                                                                     manifests):
    owner, reader = people.user("owner"), people.user("reader")
    collection = create_collection(client, owner, "Slow")
    imports = 4                                         # gunicorn has 2 workers
    with JobWorker(stack_env(app, manifests), workers=2):
        jobs, accept_times = [], []
        for number in range(imports):
            job_id, seconds = start_import(web, owner, collection, dripping_manifest(manifests, f"slow{number}", 1.5))
            jobs.append(job_id)
            accept_times.append(seconds)
        reads, during = [], 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            running = any(job_status(app, j)[0] in ("queued", "running") for j in jobs)
            if not running:
                break
            for path, person in (("/api/collections?page[size]=5", reader), (f"/api/collections/{collection}", owner),
                                 ("/api/health", reader)):
                status, _head, doc, seconds = call(web.base_url, "GET", path, person, timeout=10)
                assert status == 200, (path, status, doc)
                reads.append(seconds)
                during += 1
            time.sleep(0.01)
        assert all(job_status(app, j) == ("completed", 1) for j in jobs), [job_status(app, j) for j in jobs]
    assert during >= 6, "the reads ran while the imports did"
    assert counts(app) == (imports, imports * CANVASES)
    print(f"\n{imports} async imports (1.5 s drip each) on 2 gunicorn workers: 202 in "
          f"max {max(accept_times) * 1000:.0f} ms; {len(reads)} reads meanwhile, p50 "
          f"{statistics.median(reads) * 1000:.1f} ms, max {max(reads) * 1000:.1f} ms, all 200")
