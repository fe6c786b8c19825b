"""Asynchronous requests (Prefer: respond-async) and the jobs resource, in process.

The queue is the real one the suite runs with (Redis under scripts/with-redis.sh, else Huey's SQLite file);
a test runs the queued messages itself (``run_pending``: what a worker's thread does), so every state of a
job — queued, running, completed, failed — can be seen in between. The worker processes, a killed worker
and many slow imports at once are tests/test_jobs_processes.py.
"""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.jobs import runner as job_runner
from app.jobs.queue import Queue, queue
from app.models.base import utcnow
from app.models.image_sets import Image, ImageSet
from app.models.jobs import Job
from tests.conftest import JSONAPI, PANOPTES
from tests.iiif_server import FixtureServer, _manifest_server, server  # noqa: F401 - fixtures
from tests.reading_seed import grant_role
from tests.writing_helpers import create_collection

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def owner(people):
    return people.user("owner")


@pytest.fixture
def collection(client, owner):
    return create_collection(client, owner, "Manuscripts")


def post_import(client, person, collection_id, url, panoptes=False, headers=None):
    sent = person.headers(panoptes, **(headers if headers is not None else ASYNC))
    return client.post(f"/api/collections/{collection_id}/import/manifest", headers=sent,
                       content_type="application/json", data=json.dumps({"manifest": url}))


def accepted(response, panoptes=False):
    """The job of a 202 answer, after checking the answer's headers."""
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.headers["Preference-Applied"] == "respond-async"
    if panoptes:
        (job,) = response.get_json()["jobs"]
    else:
        job = response.get_json()["data"]
        assert job["type"] == "jobs"
    assert response.headers["Content-Location"] == f"http://localhost/api/jobs/{job['id']}"
    return job


def run_queued(app):
    with app.app_context():
        return queue(app).run_pending()


def job_row(app, job_id):
    with app.app_context():
        return db.session.get(Job, int(job_id))


def image_sets(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ImageSet))


def test_an_async_import_is_queued_then_completed_and_redirects_to_the_image_set(app, client, server, owner,
                                                                                   collection):
    response = post_import(client, owner, collection, server.url("v2-harvard-art-299843.json"))
    job = accepted(response)
    assert job["attributes"]["status"] == "queued" and job["attributes"]["kind"] == "manifest_import"
    assert job["relationships"]["creator"]["data"] == {"type": "users", "id": str(owner.id)}
    assert server.seen == [] and image_sets(app) == 0     # nothing fetched or stored in the request

    polled = client.get(f"/api/jobs/{job['id']}", headers=owner.jsonapi())
    assert polled.status_code == 200 and polled.headers["Retry-After"] == "1"
    assert polled.get_json()["data"]["attributes"]["status"] == "queued"

    assert run_queued(app) == 1
    done = client.get(f"/api/jobs/{job['id']}", headers=owner.jsonapi())
    assert done.status_code == 303, done.get_data(as_text=True)
    (set_id,) = [str(i) for i in db_ids(app, ImageSet)]
    assert done.headers["Location"] == f"http://localhost/api/collections/{collection}/image-sets/{set_id}"
    followed = client.get(done.headers["Location"], headers=owner.jsonapi())
    assert followed.status_code == 200
    assert followed.get_json()["data"]["attributes"]["image_count"] == 6

    row = job_row(app, job["id"])
    assert (row.status, row.progress, row.total, row.attempt) == ("completed", 6, 6, 1)
    assert row.started_at is not None and row.finished_at >= row.started_at
    assert row.result_meta == {"import": {"canvases": 6, "images": 6, "skipped_canvases": 0}}


def test_panoptes_polls_a_completed_job_as_a_document_naming_its_result(app, client, server, owner, collection):
    job = accepted(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json"), panoptes=True),
                   panoptes=True)
    assert job["status"] == "queued"
    run_queued(app)
    polled = client.get(f"/api/jobs/{job['id']}", headers=owner.panoptes())
    assert polled.status_code == 200 and polled.headers["Content-Type"] == PANOPTES
    (doc,) = polled.get_json()["jobs"]
    (set_id,) = db_ids(app, ImageSet)
    assert doc["status"] == "completed" and doc["progress"] == doc["total"] == 1
    assert doc["result"] == {"type": "image_sets", "id": str(set_id),
                             "href": f"/collections/{collection}/image-sets/{set_id}"}
    assert doc["links"]["creator"] == str(owner.id)


def db_ids(app, model):
    with app.app_context():
        return list(db.session.scalars(select(model.id).order_by(model.id)))


@pytest.mark.parametrize("case", ["not_found", "not_a_manifest", "no_images", "refused_host"])
def test_a_failed_job_carries_the_error_the_synchronous_request_answers(app, client, server, owner, collection,
                                                                          case):
    if case == "not_found":
        url = server.url("no-such-file.json")
    elif case == "not_a_manifest":
        url = server.route("/page", b'{"hello": "world"}')
    elif case == "no_images":
        url = server.url("v2-fixture27-no-image.json")
    else:
        url = "http://10.1.2.3/manifest.json"   # a private address: refused before any connection
    synchronous = post_import(client, owner, collection, url, headers={})
    assert synchronous.status_code == 422
    (expected,) = synchronous.get_json()["errors"]

    job = accepted(post_import(client, owner, collection, url))
    run_queued(app)
    polled = client.get(f"/api/jobs/{job['id']}", headers=owner.jsonapi())
    assert polled.status_code == 200
    attributes = polled.get_json()["data"]["attributes"]
    assert attributes["status"] == "failed" and attributes["result"] is None
    (error,) = attributes["errors"]
    assert error == expected                       # the same code, detail and source.pointer
    assert error["source"] == {"pointer": "/manifest"}
    assert image_sets(app) == 0 and job_row(app, job["id"]).finished_at is not None


def test_rights_lost_before_the_job_runs_fail_it_and_store_nothing(app, client, server, people, owner,
                                                                   collection):
    helper = people.user("helper")
    role = grant_role(client, owner, collection, helper, ["collaborator"])
    job = accepted(post_import(client, helper, collection, server.url("v2-fixture01-minimal.json")))
    gone = client.delete(f"/api/collection_roles/{role}", headers=owner.jsonapi())
    assert gone.status_code == 204
    run_queued(app)
    attributes = client.get(f"/api/jobs/{job['id']}", headers=helper.jsonapi()).get_json()["data"]["attributes"]
    assert attributes["status"] == "failed"
    assert attributes["errors"][0]["status"] in ("403", "404")
    assert image_sets(app) == 0


def test_bad_input_is_still_refused_at_once(client, owner, collection):
    response = client.post(f"/api/collections/{collection}/import/manifest", headers=owner.jsonapi(**ASYNC),
                           content_type="application/json", data=json.dumps({"manifest": ""}))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["source"] == {"pointer": "/manifest"}
    assert "Preference-Applied" not in response.headers


@pytest.mark.parametrize("prefer,asynchronous", [
    ("respond-async", True), ("wait=10, respond-async", True), ("Respond-Async; x=1", True),
    ("return=minimal", False), ("handling=lenient", False)])
def test_only_respond_async_among_preferences_makes_a_job(app, client, server, owner, collection, prefer,
                                                          asynchronous):
    response = post_import(client, owner, collection, server.url("v2-fixture01-minimal.json"),
                           headers={"Prefer": prefer})
    assert response.status_code == (202 if asynchronous else 201)
    assert image_sets(app) == (0 if asynchronous else 1)


def test_jobs_are_seen_by_their_creator_and_admins_only(app, client, server, people, owner, collection):
    other, admin = people.user("other"), people.user("root", admin=True)
    job = accepted(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")))
    path = f"/api/jobs/{job['id']}"
    assert client.get(path, headers=other.jsonapi()).status_code == 404
    assert client.get(path, headers={"Accept": JSONAPI}).status_code == 404
    assert client.get(path, headers=admin.jsonapi()).status_code == 200
    assert client.get("/api/jobs", headers=other.jsonapi()).get_json()["data"] == []
    listed = client.get("/api/jobs?filter[status]=queued", headers=owner.jsonapi()).get_json()["data"]
    assert [j["id"] for j in listed] == [job["id"]]
    assert client.delete(path, headers=owner.jsonapi()).status_code == 405
    run_queued(app)
    assert client.get(path, headers=other.jsonapi()).status_code == 404
    assert client.get(path, headers=admin.jsonapi()).status_code == 303


def test_a_message_delivered_twice_or_a_retried_job_imports_once(app, client, server, owner, collection):
    job = accepted(post_import(client, owner, collection, server.url("v2-harvard-art-299843.json")))
    with app.app_context():
        queue(app).enqueue(int(job["id"]))          # the same job queued a second time
    assert run_queued(app) == 2
    with app.app_context():
        queue(app).enqueue(int(job["id"]))          # and once more after it completed
    run_queued(app)
    assert image_sets(app) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Image)) == 6
    assert job_row(app, job["id"]).attempt == 1


def test_a_run_that_lost_its_claim_writes_nothing(app, client, server, owner, collection):
    """A worker that ran past its lease while the job was taken over: its result is not recorded."""
    job = accepted(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")))
    job_id = int(job["id"])
    with app.app_context():
        assert job_runner.claim(job_id)[3] == 1           # the first worker claims it, then stalls
        stale = utcnow() - timedelta(seconds=app.config["JOB_LEASE"] + 1)
        db.session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=stale))
        db.session.commit()
        assert job_runner.reap(queue(app)) == ([job_id], [])
    assert job_row(app, job_id).status == "queued"
    run_queued(app)                                    # the second run completes it (attempt 2)
    with app.app_context():
        late = job_runner.JobRun(job_id, 1, None)          # the first worker wakes up and tries to finish
        with pytest.raises(job_runner.Superseded):
            late.progress(0, 1)
    row = job_row(app, job_id)
    assert (row.status, row.attempt) == ("completed", 2) and image_sets(app) == 1


def test_a_queued_job_whose_message_was_lost_is_sent_again_and_runs_once(app, client, server, owner, collection):
    """A worker killed after taking the message but before claiming the job, or a queue store that lost its
    data: the job is still queued, with no message; the reaper sends it again once the lease has passed."""
    waiting = accepted(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")))
    lost = accepted(post_import(client, owner, collection, server.url("v2-harvard-art-299843.json")))
    with app.app_context():
        jobs = queue(app)
        assert jobs.waiting() == {int(waiting["id"]), int(lost["id"])}
        assert job_runner.reap(jobs) == ([], [])            # both still young: nothing to do
        jobs.huey.flush()                                  # every message is lost ...
        jobs.enqueue(int(waiting["id"]))                    # ... but one was sent again meanwhile
        old = utcnow() - timedelta(seconds=app.config["JOB_LEASE"] + 1)
        db.session.execute(update(Job).values(heartbeat_at=old))
        db.session.commit()
        assert job_runner.reap(jobs) == ([int(lost["id"])], [])
        assert job_runner.reap(jobs) == ([], [])            # sent once: its time was renewed
        assert jobs.waiting() == {int(waiting["id"]), int(lost["id"])}
    assert run_queued(app) == 2
    assert [job_row(app, job["id"]).status for job in (waiting, lost)] == ["completed", "completed"]
    assert image_sets(app) == 2


def test_a_job_whose_worker_is_lost_too_often_fails(app, client, server, owner, collection, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_MAX_ATTEMPTS", 1)
    job = accepted(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")))
    with app.app_context():
        job_runner.claim(int(job["id"]))
        db.session.execute(update(Job).values(heartbeat_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert job_runner.reap(queue(app)) == ([], [int(job["id"])])
    attributes = client.get(f"/api/jobs/{job['id']}", headers=owner.jsonapi()).get_json()["data"]["attributes"]
    assert attributes["status"] == "failed" and attributes["errors"][0]["code"] == "worker_lost"
    run_queued(app)                                    # the request's message finds the job finished
    assert job_row(app, job["id"]).status == "failed" and image_sets(app) == 0


def test_an_unreachable_queue_answers_503_and_keeps_no_queued_job(app, client, server, owner, collection):
    from tests.gunicorn_server import free_port

    working = app.extensions.get("hyperapi_jobs")
    app.config["JOBS_QUEUE_URL"], saved = f"redis://127.0.0.1:{free_port()}/0", app.config["JOBS_QUEUE_URL"]
    app.extensions["hyperapi_jobs"] = Queue(app)
    try:
        response = post_import(client, owner, collection, server.url("v2-fixture01-minimal.json"))
    finally:
        app.config["JOBS_QUEUE_URL"] = saved
        app.extensions.pop("hyperapi_jobs")
        if working is not None:
            app.extensions["hyperapi_jobs"] = working
    assert response.status_code == 503
    assert response.get_json()["errors"][0]["code"] == "queue_unavailable"
    with app.app_context():
        assert [j.status for j in db.session.scalars(select(Job))] == ["failed"]


def test_the_jobs_cli_lists_shows_and_prunes(app, client, server, runner, owner, collection, monkeypatch):
    first = accepted(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")))
    run_queued(app)
    second = accepted(post_import(client, owner, collection, server.url("v2-fixture01-minimal.json")))
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0
    lines = [line.split("\t") for line in listed.output.splitlines()]
    assert [(line[0], line[2], line[4]) for line in lines] == [(second["id"], "queued", "owner"),
                                                               (first["id"], "completed", "owner")]
    only = runner.invoke(args=["jobs", "list", "--status", "completed"])
    assert [line.split("\t")[0] for line in only.output.splitlines()] == [first["id"]]
    shown = runner.invoke(args=["jobs", "show", first["id"]])
    assert shown.exit_code == 0 and json.loads(shown.output)["status"] == "completed"
    assert runner.invoke(args=["jobs", "show", "999999"]).exit_code != 0

    monkeypatch.setitem(app.config, "JOB_RETENTION", 3600)
    assert runner.invoke(args=["jobs", "prune"]).output.strip() == "removed 0 job(s)"
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == int(first["id"]))
                           .values(finished_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    assert runner.invoke(args=["jobs", "prune"]).output.strip() == "removed 1 job(s)"
    assert db_ids(app, Job) == [int(second["id"])]    # unfinished jobs are kept whatever their age
    assert client.get(f"/api/jobs/{first['id']}", headers=owner.jsonapi()).status_code == 404


def test_the_openapi_description_has_the_202_answers_and_the_303(client):
    paths = client.get("/api/openapi.json", headers={"Accept": "application/json"}).get_json()["paths"]
    for path in ("/api/collections/{collection_id}/import/manifest", "/api/sets/{set_id}/versions/{id}/publish"):
        operation = paths[path]["post"]
        assert "202" in operation["responses"], path
        assert set(operation["responses"]["202"]["headers"]) == {"Content-Location", "Preference-Applied"}
        assert "Prefer" in [p["name"] for p in operation["parameters"]], path
    assert "303" in paths["/api/jobs/{id}"]["get"]["responses"]
    assert "202" not in paths["/api/collections"]["post"]["responses"]
