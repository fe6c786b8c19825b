"""jobs: long writes asked for with ``Prefer: respond-async`` (RFC 7240), answered 202 and polled here
(JSON:API's recommendation for asynchronous processing). A completed job answers 303 to what it made in the
JSON:API dialect; the Panoptes dialect answers 200 with the job, whose ``result`` names it."""
from flask import current_app, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.auth import current_caller
from app.engine.errors import ApiError
from app.engine.http import api_root, dialect, show_response
from app.engine.openapi import documented
from app.engine.params import parse
from app.engine.registry import RESOURCES
from app.engine.relations import ToOne
from app.engine.resource import Resource
from app.engine.filters import Equals
from app.engine.rows import find_visible
from app.extensions import db
from app.jobs.queue import queue
from app.models.base import utcnow
from app.models.jobs import COMPLETED, FAILED, QUEUED, RUNNING, Job
from app.policies.jobs import JobPolicy
from resources.views import Views
from schemas.jobs import JobSchema

ASYNC = "respond-async"


def prefers_async():
    """Whether a ``Prefer`` header (any of them, any position) asks for ``respond-async``."""
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            if preference.split(";", 1)[0].split("=", 1)[0].strip().lower() == ASYNC:
                return True
    return False


def results(ids, caller):
    rows = db.session.execute(select(Job.id, Job.result_type, Job.result_id, Job.result_path)
                              .where(Job.id.in_(list(ids))))
    return {i: ({"type": t, "id": str(r), "href": p} if t else None) for i, t, r, p in rows}


class JobViews(Views):
    @documented("one", of="jobs", status=200, see_other=True)
    def show(self, id, **parents):
        """GET /jobs/{id}: the job while queued, running or failed; once completed, 303 to its result
        (JSON:API) or the job with its ``result`` (Panoptes)."""
        job = find_visible(self.resource, id, current_caller())
        if job.status == COMPLETED and job.result_path and dialect().completed_job_redirects:
            response = Response(status=303)
            del response.headers["Content-Type"]
            response.headers["Location"] = api_root() + job.result_path
            return response
        headers = {"Retry-After": "1"} if job.status in (QUEUED, RUNNING) else None
        return show_response(self.resource, id, headers=headers)


class Jobs(Resource):
    type, model, schema, policy = "jobs", Job, JobSchema, JobPolicy()
    relations = {"creator": ToOne(Job.creator_id)}
    filters = {"status": Equals(Job.status), "kind": Equals(Job.kind)}
    sorts = ("created_at", "updated_at")
    computed = {"result": results}
    creatable = updatable = deletable = False
    views = JobViews


def respond_async(name, params, caller):
    """Queue long work ``name`` as a job of the caller's; 202 with the job, ``Content-Location`` its URL."""
    jobs = RESOURCES["jobs"]
    job = Job(kind=name, status=QUEUED, creator_id=caller.user_id, params=params)
    db.session.add(job)
    db.session.commit()
    try:
        queue().enqueue(job.id)
    except Exception as exc:  # the queue's backend is down: the job would never run
        current_app.logger.warning("job %s not queued: %s", job.id, exc)
        job.status, job.finished_at = FAILED, utcnow()
        job.errors = [ApiError(503, "The job queue is unavailable.", code="queue_unavailable").jsonapi()]
        db.session.commit()
        raise ApiError(503, "The job queue is unavailable; try again, or send the request without "
                       "Prefer: respond-async.", code="queue_unavailable", headers={"Retry-After": "5"}) from exc
    query = parse({}, jobs, dialect(), current_app.config, listing=False)
    location = api_root() + jobs.self_path(job.id)
    return show_response(jobs, job.id, status=202, query=query,
                         headers={"Content-Location": location, "Preference-Applied": ASYNC, "Vary": "Prefer"})

