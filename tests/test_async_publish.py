"""Publishing a set version with Prefer: respond-async: 202 with a job; the version is ``publishing`` and its
task under way until the job completes both (or fails: the task ``errored``, the version a draft again).
Queued messages are run in process by the test, on the suite's real queue (see tests/test_jobs.py)."""
from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.jobs import runner as job_runner
from app.jobs.queue import queue
from app.models.base import utcnow
from app.models.jobs import Job
from tests.conftest import jsonapi_body
from tests.sets_helpers import create_set, draft_id, grant, new_draft, published_set, send

ASYNC = {"Prefer": "respond-async"}


def run_queued(app):
    with app.app_context():
        return queue(app).run_pending()


def publish_async(client, set_id, version_id, person):
    response = send(client, "POST", f"/api/sets/{set_id}/versions/{version_id}/publish/", person, **ASYNC)
    assert response.status_code == 202, response.get_json()
    assert response.headers["Preference-Applied"] == "respond-async"
    return response.get_json()["data"]


def version(client, set_id, version_id, person):
    return send(client, "GET", f"/api/sets/{set_id}/versions/{version_id}/", person).get_json()["data"]


def tasks(client, set_id, person):
    return [t["attributes"]["state"] for t in
            send(client, "GET", f"/api/publishes/?filter[set_id]={set_id}", person).get_json()["data"]]


def test_an_async_publish_is_publishing_until_the_job_completes_it(app, client, people):
    owner = people.user("owner")
    set_id, first = published_set(client, owner, title="First")
    draft = new_draft(client, set_id, owner, jsonapi_body("set_versions", {"title": "Second"}))
    job = publish_async(client, set_id, draft, owner)
    assert job["attributes"]["kind"] == "action" and job["attributes"]["status"] == "queued"

    # the middle state is real: the draft is being published, its task under way, the set unchanged
    assert version(client, set_id, draft, owner)["attributes"]["state"] == "publishing"
    assert sorted(tasks(client, set_id, owner)) == ["completed", "publishing"]
    assert send(client, "GET", f"/api/sets/{set_id}/", owner).get_json()["data"]["attributes"]["title"] == "First"
    again = send(client, "POST", f"/api/sets/{set_id}/versions/{draft}/publish/", owner, {})
    assert again.status_code == 409 and "already being published" in again.get_json()["errors"][0]["detail"]
    edit = send(client, "PATCH", f"/api/sets/{set_id}/versions/{draft}/", owner,
                jsonapi_body("set_versions", {"title": "Third"}, id_=draft))
    assert edit.status_code == 405
    assert send(client, "POST", f"/api/sets/{set_id}/versions/", owner).status_code == 409

    assert run_queued(app) == 1
    done = send(client, "GET", f"/api/jobs/{job['id']}", owner)
    assert done.status_code == 303
    task = send(client, "GET", done.headers["Location"], owner).get_json()["data"]
    assert task["type"] == "publishes" and task["attributes"]["state"] == "completed"
    assert task["relationships"]["version"]["data"]["id"] == draft
    assert version(client, set_id, draft, owner)["attributes"]["state"] == "published"
    assert version(client, set_id, first, owner)["attributes"]["state"] == "superseded"
    assert send(client, "GET", f"/api/sets/{set_id}/", owner).get_json()["data"]["attributes"]["title"] == "Second"
    assert sorted(tasks(client, set_id, owner)) == ["completed", "completed"]


def test_a_failed_publish_job_errors_its_task_and_leaves_the_draft_editable(app, client, people):
    owner, editor = people.user("owner"), people.user("editor")
    data = create_set(client, owner, title="Draft only")
    set_id, draft = data["id"], draft_id(client, data["id"], owner)
    grant_id = grant(client, set_id, owner, f"user.{editor.id}", "edit")
    job = publish_async(client, set_id, draft, editor)
    # the editor loses the right before the job runs: the job checks it again and fails
    assert send(client, "DELETE", f"/api/sets/{set_id}/permissions/{grant_id}/", owner).status_code == 204
    run_queued(app)
    failed = send(client, "GET", f"/api/jobs/{job['id']}", editor).get_json()["data"]["attributes"]
    assert failed["status"] == "failed" and failed["errors"][0]["status"] in ("403", "404")
    assert version(client, set_id, draft, owner)["attributes"]["state"] == "draft"
    (task,) = send(client, "GET", f"/api/publishes/?filter[set_id]={set_id}", owner).get_json()["data"]
    assert task["attributes"]["state"] == "errored" and task["attributes"]["error"] == failed["errors"][0]["detail"]
    edit = send(client, "PATCH", f"/api/sets/{set_id}/versions/{draft}/", owner,
                jsonapi_body("set_versions", {"title": "Edited"}, id_=draft))
    assert edit.status_code == 200


def test_a_publish_whose_worker_is_lost_for_good_reverts_to_a_draft(app, client, people, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_MAX_ATTEMPTS", 1)
    owner = people.user("owner")
    data = create_set(client, owner)
    set_id, draft = data["id"], draft_id(client, data["id"], owner)
    job = publish_async(client, set_id, draft, owner)
    with app.app_context():
        job_runner.claim(int(job["id"]))
        db.session.execute(update(Job).values(heartbeat_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert job_runner.reap(queue(app)) == ([], [int(job["id"])])
    assert version(client, set_id, draft, owner)["attributes"]["state"] == "draft"
    assert tasks(client, set_id, owner) == ["errored"]


def test_without_the_preference_publishing_answers_the_completed_task_as_before(client, people):
    owner = people.user("owner")
    data = create_set(client, owner)
    response = send(client, "POST", f"/api/sets/{data['id']}/versions/{draft_id(client, data['id'], owner)}/publish/",
                    owner, {})
    assert response.status_code == 201 and "Preference-Applied" not in response.headers
    assert response.get_json()["data"]["attributes"]["state"] == "completed"
