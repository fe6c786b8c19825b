"""Running one job, and the upkeep that keeps jobs honest.

A run claims the job (``queued`` → ``running``, a new ``attempt``), keeps its heartbeat fresh from a
thread of its own while the work goes on, and records the result in the same transaction as the work's
writes, after checking that it still holds the current attempt. So:

- a worker killed mid-run leaves nothing half-written (its transaction never committed) and a heartbeat
  that stops; ``reap`` queues the job again once the heartbeat is older than ``JOB_LEASE`` (or marks it
  failed after ``JOB_MAX_ATTEMPTS`` runs): a job is never left ``running`` for good, nor ``queued`` once
  its message is lost (a queued job's heartbeat is the time its message was last sent);
- a job is applied once: a second run of the same attempt (a message delivered twice), or a late run
  whose job was already taken over, finds the attempt changed or the job finished and writes nothing.
"""
import logging
import threading
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError

from app.auth import Caller, aware
from app.engine.errors import ApiError
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.jobs import COMPLETED, FAILED, FINISHED, QUEUED, RUNNING, Job
from app.operations.long import LONG
from app.operations.processor import Processor, commit

log = logging.getLogger("hyperapi.jobs")


class Superseded(Exception):
    """The run no longer holds the job (finished meanwhile, or taken over after its lease ran out)."""


def _lease():
    return timedelta(seconds=current_app.config["JOB_LEASE"])


def _lock(job_id):
    return db.session.execute(
        select(Job).where(Job.id == job_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def claim(job_id):
    """The job's (kind, params, creator id, attempt) once this run holds it, else None."""
    job = _lock(job_id)
    now = utcnow()
    if job is None or not (job.status == QUEUED or (job.status == RUNNING and _stale(job, now))):
        db.session.rollback()
        return None
    job.status, job.attempt, job.heartbeat_at = RUNNING, job.attempt + 1, now
    job.started_at = job.started_at or now
    claimed = (job.kind, dict(job.params), job.creator_id, job.attempt)
    db.session.commit()
    return claimed


def _stale(job, now):
    return job.heartbeat_at is None or aware(job.heartbeat_at) < now - _lease()


class Heartbeat:
    """Refreshes the job's heartbeat every quarter lease until the run ends, on a connection of its own."""

    def __init__(self, job_id, attempt):
        self.job_id, self.attempt = job_id, attempt
        self.engine = db.engine
        self.interval = max(0.05, current_app.config["JOB_LEASE"] / 4)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True)

    def _beat(self):
        while not self.stop.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(Job.__table__).where(
                        Job.id == self.job_id, Job.attempt == self.attempt, Job.status == RUNNING
                    ).values(heartbeat_at=utcnow()))
            except OperationalError:
                log.warning("job %s: heartbeat not written (database unavailable)", self.job_id)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)


class JobRun:
    """What a long work sees when it runs as a job (the counterpart of app.operations.long.Now)."""

    def __init__(self, job_id, attempt, caller):
        self.job_id, self.attempt, self.caller = job_id, attempt, caller

    def _held(self):
        job = _lock(self.job_id)
        if job is None or job.status != RUNNING or job.attempt != self.attempt:
            db.session.rollback()
            raise Superseded()
        return job

    def progress(self, done=None, total=None):
        job = self._held()
        if done is not None:
            job.progress = done
        if total is not None:
            job.total = total
        db.session.commit()

    def apply(self, op):
        """The work's final operation and the job's result: one transaction, or nothing."""
        job = self._held()
        outcome = Processor(self.caller).execute(op)
        if outcome.resource is not None and outcome.id is not None:
            from app.engine.fetch import fetch_row
            row = fetch_row(outcome.resource, outcome.id, self.caller)
            job.result_type, job.result_id = outcome.resource.type, outcome.id
            job.result_path = outcome.resource.row_path(row) if row is not None else None
        job.result_meta = outcome.meta
        job.status, job.finished_at = COMPLETED, utcnow()
        if job.total is not None:
            job.progress = job.total
        commit()
        return outcome


def run(job_id):
    """Run one job to its end (completed or failed); a job this run cannot claim is left alone."""
    g.immediate_writes = True   # SQLite: every transaction of a job takes the write lock first
    claimed = claim(job_id)
    if claimed is None:
        return None
    kind, params, creator_id, attempt = claimed
    user = db.session.get(User, creator_id)
    caller = Caller(user_id=user.id, login=user.login, admin=user.admin)
    db.session.rollback()
    with Heartbeat(job_id, attempt):
        try:
            LONG[kind].run(params, caller, JobRun(job_id, attempt, caller))
        except Superseded:
            log.info("job %s: attempt %s superseded; nothing written", job_id, attempt)
            return None
        except ApiError as error:
            db.session.rollback()
            _fail(job_id, attempt, [e.jsonapi() for e in error.objects()])
        except OperationalError:
            # the database went away: the run is lost like a killed worker's; the reaper queues it again
            db.session.rollback()
            log.warning("job %s: database unavailable; left for the reaper", job_id, exc_info=True)
            return None
        except Exception:  # a fault of the server's: the job says so instead of staying running
            db.session.rollback()
            log.exception("job %s failed", job_id)
            _fail(job_id, attempt, [ApiError(500, "The job failed on the server.", title="Internal error",
                                             code="internal_error").jsonapi()])
    return job_id


def _fail(job_id, attempt, errors):
    """Mark the job failed, with what its work leaves instead (``failed`` hook) in the same transaction."""
    job = _lock(job_id)
    if job is None or job.status != RUNNING or job.attempt != attempt:
        db.session.rollback()
        return
    _record_failure(job, errors)
    db.session.commit()


def _record_failure(job, errors):
    work = LONG.get(job.kind)
    if work is not None and work.failed is not None:
        work.failed(job.params, errors)
    job.status, job.errors, job.finished_at = FAILED, errors, utcnow()


def worker_lost():
    return ApiError(503, "The worker running this job stopped, and the job ran out of attempts.",
                    code="worker_lost").jsonapi()


def reap(jobs_queue):
    """Jobs whose worker is gone (heartbeat older than the lease): queued again through
    ``jobs_queue.enqueue(id)``, or failed after JOB_MAX_ATTEMPTS runs; and queued jobs whose message is
    gone (a worker killed between taking the message and claiming the job, a queue store that lost its
    data): sent again. Returns (ids queued or sent again, failed ids)."""
    g.immediate_writes = True
    limit = utcnow() - _lease()
    stale = db.session.execute(select(Job.id, Job.attempt).where(
        Job.status == RUNNING, Job.heartbeat_at < limit)).all()
    unsent = db.session.execute(select(Job.id).where(
        Job.status == QUEUED, func.coalesce(Job.heartbeat_at, Job.created_at) < limit)).scalars().all()
    db.session.rollback()
    requeued, failed = [], []
    for job_id, attempt in stale:
        # decided under the job's lock on what it still is: of several reapers, one acts
        job = _lock(job_id)
        if job is None or job.status != RUNNING or job.attempt != attempt or not _stale(job, utcnow()):
            db.session.rollback()
            continue
        if attempt < current_app.config["JOB_MAX_ATTEMPTS"]:
            job.status, job.heartbeat_at = QUEUED, utcnow()
            db.session.commit()
            requeued.append(job_id)
            jobs_queue.enqueue(job_id)
        else:
            _record_failure(job, [worker_lost()])
            db.session.commit()
            failed.append(job_id)
    if unsent:
        # a message still waiting is left alone; one taken meanwhile makes a second message, which finds
        # the job claimed and does nothing
        waiting = jobs_queue.waiting()
        for job_id in unsent:
            if job_id in waiting:
                continue
            job = _lock(job_id)
            if job is None or job.status != QUEUED:
                db.session.rollback()
                continue
            job.heartbeat_at = utcnow()
            db.session.commit()
            requeued.append(job_id)
            jobs_queue.enqueue(job_id)
    if requeued or failed:
        log.warning("jobs of lost workers or messages: queued again %s, failed %s", requeued, failed)
    return requeued, failed


def prune():
    """Remove finished jobs older than JOB_RETENTION seconds; returns how many."""
    g.immediate_writes = True
    limit = utcnow() - timedelta(seconds=current_app.config["JOB_RETENTION"])
    removed = db.session.execute(delete(Job).where(Job.status.in_(FINISHED), Job.finished_at < limit)).rowcount
    db.session.commit()
    return removed
