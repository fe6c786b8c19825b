"""``Prefer: respond-async`` (RFC 7240): long work queued as a job and answered 202 at once, with the job's
URL in ``Content-Location`` (JSON:API's recommendation for asynchronous processing); without the header the
same work runs inside the request as before.

Two kinds of long work take it: a registered long work (app/operations/long.py, e.g. the manifest import)
and any declared action marked ``long`` (app/engine/actions.py), whose ``begin`` step runs in the request's
transaction together with the job's row, and whose ``run`` step the job runs, locked and checked again."""
from flask import current_app, request

from app.engine.errors import ApiError
from app.engine.http import api_root, dialect, show_response
from app.engine.params import parse
from app.engine.registry import RESOURCES
from app.extensions import db
from app.jobs.queue import queue
from app.models.base import utcnow
from app.models.jobs import FAILED, QUEUED, Job
from app.operations import ACTION, Operation, Outcome, Processor
from app.operations.long import long_work
from app.operations.processor import commit

ASYNC = "respond-async"
DECLARED_ACTION = "action"


def prefers_async():
    """Whether a ``Prefer`` header (any of them, any position) asks for ``respond-async``."""
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            if preference.split(";", 1)[0].split("=", 1)[0].strip().lower() == ASYNC:
                return True
    return False


def respond_async(name, params, caller):
    """Queue long work ``name`` as a job of the caller's, committed with whatever the session holds."""
    jobs = RESOURCES["jobs"]
    job = Job(kind=name, status=QUEUED, creator_id=caller.user_id, params=params, heartbeat_at=utcnow())
    db.session.add(job)
    commit()
    try:
        queue().enqueue(job.id)
    except Exception as exc:  # the queue's backend is down: the job would never run
        current_app.logger.warning("job %s not queued: %s", job.id, exc)
        _failed_unqueued(job, caller)
        raise ApiError(503, "The job queue is unavailable; try again, or send the request without "
                       "Prefer: respond-async.", code="queue_unavailable", headers={"Retry-After": "5"}) from exc
    query = parse({}, jobs, dialect(), current_app.config, listing=False)
    location = api_root() + jobs.self_path(job.id)
    return show_response(jobs, job.id, status=202, query=query,
                         headers={"Content-Location": location, "Preference-Applied": ASYNC, "Vary": "Prefer"})


def _failed_unqueued(job, caller):
    from app.operations.long import LONG

    errors = [ApiError(503, "The job queue is unavailable.", code="queue_unavailable").jsonapi()]
    work = LONG.get(job.kind)
    if work is not None and work.failed is not None:
        work.failed(job.params, errors)
    job.status, job.finished_at, job.errors = FAILED, utcnow(), errors
    db.session.commit()


def respond_async_action(resource, action, id_, parents, caller):
    """A declared long action: its ``begin`` step now (rights, locks and guard as the processor runs them),
    its ``run`` step in a job."""
    begun = {}

    def begin(write):
        if action.long.begin is not None:
            begun.update(action.long.begin(write) or {})
        return Outcome()

    Processor(caller).execute(Operation(ACTION, resource, id_, parents=parents, action=begin, needs=action.needs,
                                        guard=action.guard))
    params = {"type": resource.type, "action": action.name, "id": id_, "parents": parents, "begun": begun}
    return respond_async(DECLARED_ACTION, params, caller)


def _declared(params):
    resource = RESOURCES[params["type"]]
    return resource, next(a for a in resource.actions if getattr(a, "long", None) and a.name == params["action"])


def _fail_declared(params, errors):
    _resource, action = _declared(params)
    if action.long.fail is not None:
        action.long.fail(params["begun"], errors)


@long_work(DECLARED_ACTION, failed=_fail_declared)
def run_declared_action(params, caller, run):
    resource, action = _declared(params)
    step = action.long.run
    act = (lambda write: step(write, params["begun"])) if step is not None else action.run
    return run.apply(Operation(ACTION, resource, params["id"], parents=params["parents"], needs=action.needs,
                               guard=action.guard, action=act))
