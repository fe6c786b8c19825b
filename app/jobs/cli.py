"""``flask jobs``: run the worker, list and inspect jobs, remove old ones."""
import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.jobs import runner
from app.jobs.queue import queue
from app.models import User
from app.models.jobs import STATUSES, Job

jobs_cli = AppGroup("jobs", help="Run and inspect jobs (long work asked for with Prefer: respond-async).")


def _when(value):
    return value.isoformat(timespec="seconds") if value is not None else "-"


@jobs_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker threads (default JOB_WORKERS).")
def worker(workers):
    """Run jobs from JOBS_QUEUE_URL until stopped (SIGINT/SIGTERM end it after the running jobs)."""
    app = current_app._get_current_object()
    count = workers or app.config["JOB_WORKERS"]
    click.echo(f"jobs worker: {count} thread(s) on {app.config['JOBS_QUEUE_URL'].split('@')[-1]}", err=True)
    queue(app).consumer(count).run()


@jobs_cli.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None)
@click.option("--login", default=None, help="Only this user's jobs.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
def list_jobs(status, login, limit):
    """The newest jobs: id, kind, status, progress, creator, created, finished, result."""
    query = select(Job, User.login).join(User, User.id == Job.creator_id).order_by(Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    if login:
        query = query.where(User.login == login)
    rows = db.session.execute(query).all()
    if not rows:
        click.echo("no jobs")
    for job, creator in rows:
        progress = f"{job.progress}/{job.total}" if job.total is not None else str(job.progress)
        click.echo(f"{job.id}\t{job.kind}\t{job.status}\t{progress}\t{creator}\t{_when(job.created_at)}\t"
                   f"{_when(job.finished_at)}\t{job.result_path or '-'}")


@jobs_cli.command("show")
@click.argument("job_id", type=int)
def show_job(job_id):
    """One job, every field, as JSON."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException(f"no job {job_id}")
    fields = ("id", "kind", "status", "creator_id", "params", "attempt", "progress", "total", "errors",
              "result_type", "result_id", "result_path", "result_meta", "created_at", "started_at",
              "heartbeat_at", "finished_at")
    doc = {name: getattr(job, name) for name in fields}
    click.echo(json.dumps(doc, indent=2, default=_when))


@jobs_cli.command("prune")
def prune():
    """Remove finished jobs older than JOB_RETENTION seconds (the workers also do it every minute)."""
    click.echo(f"removed {runner.prune()} job(s)")


@jobs_cli.command("reap")
def reap():
    """Queue again (or fail) running jobs whose worker stopped sending heartbeats; send again lost messages."""
    requeued, failed = runner.reap(queue())
    click.echo(f"queued again: {requeued or '-'}; failed: {failed or '-'}")


def init_app(app):
    app.cli.add_command(jobs_cli)
