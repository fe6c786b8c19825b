"""jobs: long writes asked for with ``Prefer: respond-async`` (RFC 7240), answered 202 and polled here
(JSON:API's recommendation for asynchronous processing). A completed job answers 303 to what it made in the
JSON:API dialect; the Panoptes dialect answers 200 with the job, whose ``result`` names it."""
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.engine.http import api_root, dialect, show_response
from app.engine.relations import ToOne
from app.engine.resource import Resource
from app.engine.filters import Equals
from app.engine.rows import find_visible
from app.extensions import db
from app.models.jobs import COMPLETED, QUEUED, RUNNING, Job
from app.policies.jobs import JobPolicy
from schemas.jobs import JobSchema


def results(ids, caller):
    rows = db.session.execute(select(Job.id, Job.result_type, Job.result_id, Job.result_path)
                              .where(Job.id.in_(list(ids))))
    return {i: ({"type": t, "id": str(r), "href": p} if t else None) for i, t, r, p in rows}


class Jobs(Resource):
    type, model, schema, policy = "jobs", Job, JobSchema, JobPolicy()
    relations = {"creator": ToOne(Job.creator_id)}
    filters = {"status": Equals(Job.status), "kind": Equals(Job.kind)}
    sorts = ("created_at", "updated_at")
    computed = {"result": results}
    creatable = updatable = deletable = False
    show_redirects = True

    def answer_show(self, id_, caller):
        """A completed job: 303 to its result (JSON:API; Panoptes polls the job, whose ``result`` names it).
        While queued or running: the job, with ``Retry-After``."""
        job = find_visible(self, id_, caller)
        if job.status == COMPLETED and job.result_path and dialect().completed_job_redirects:
            response = Response(status=303)
            del response.headers["Content-Type"]
            response.headers["Location"] = api_root() + job.result_path
            return response
        if job.status in (QUEUED, RUNNING):
            return show_response(self, id_, headers={"Retry-After": "1"})
        return None

