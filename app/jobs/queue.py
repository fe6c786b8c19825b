"""The job queue: Huey, on a SQLite file (the default: one machine) or on Redis (several machines).

The web processes only enqueue (``enqueue(job_id)``); ``flask jobs worker`` runs Huey's consumer, whose
threads run ``run_job`` for each message and, every minute, the upkeep (the reaper of jobs whose worker was
lost, and the removal of jobs past their retention). The reaper also runs when a worker starts, so a
worker restarted after a crash picks up what its predecessor left running.
"""
from flask import current_app
from huey import RedisHuey, SqliteHuey, crontab

from app.jobs import runner

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_huey(url, name):
    """Huey on the storage ``url`` names (results are not kept: the jobs rows hold them)."""
    if url.startswith(REDIS_SCHEMES):
        return RedisHuey(name, url=url, results=False)
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url[len("sqlite:///"):], results=False)
    raise ValueError(f"JOBS_QUEUE_URL: {url!r} is neither sqlite:///path nor redis://…")


class Queue:
    """One application's Huey and its tasks."""

    def __init__(self, app):
        self.app = app
        self.huey = make_huey(app.config["JOBS_QUEUE_URL"], app.config["JOBS_QUEUE_NAME"])
        huey = self.huey

        @huey.task(name="run_job")
        def run_job(job_id):
            with app.app_context():
                runner.run(job_id)

        @huey.periodic_task(crontab(minute="*"), name="jobs_upkeep")
        def upkeep():
            with app.app_context():
                runner.reap(self)
                runner.prune()

        @huey.on_startup(name="reap_on_start")
        def reap_on_start():
            with app.app_context():
                runner.reap(self)

        self.run_job = run_job

    def enqueue(self, job_id):
        self.run_job(job_id)

    def waiting(self):
        """The ids of the jobs with a message still in the queue."""
        return {task.args[0] for task in self.huey.pending() if task.name == "run_job" and task.args}

    def run_pending(self):
        """Run every queued message in this process (what a worker does, one by one); returns how many."""
        count = 0
        while self.huey.pending_count():   # a blocking storage (Redis) would wait a second for the next
            task = self.huey.dequeue()
            if task is None:
                break
            self.huey.execute(task)
            count += 1
        return count

    def consumer(self, workers):
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         check_worker_health=True)


def queue(app=None):
    app = app or current_app._get_current_object()
    if "hyperapi_jobs" not in app.extensions:
        app.extensions["hyperapi_jobs"] = Queue(app)
    return app.extensions["hyperapi_jobs"]
