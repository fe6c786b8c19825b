"""Read latency of the real server while slow manifest imports run: idle, as jobs (Prefer: respond-async),
and inside the requests (the synchronous import), side by side in one run.

    .venv/bin/python bench/jobs_bench.py [--imports 4] [--drip 3] [--duration 8]
    make bench-jobs

It migrates a throw-away SQLite file (or the loopback ``TEST_DATABASE_URL`` that scripts/with-postgres.sh
exports, which it wipes), seeds one user with a collection, and starts gunicorn (``--workers`` sync workers,
2 by default) and ``flask jobs worker`` (2 threads) on 127.0.0.1, with a loopback fixture server whose
manifests (``--canvases`` canvases) drip their bodies over ``--drip`` seconds. For each phase ``--readers``
client threads read ``GET /api/collections/<id>`` for ``--duration`` seconds while ``--imports`` imports
are kept in flight (a finished one is started again):

    idle   no imports
    async  imports with Prefer: respond-async (202 at once; the job worker fetches and stores)
    sync   the same imports without the header: each holds a gunicorn worker for the whole fetch

It prints, per phase, reads, reads per second, p50/p90/max latency in ms, reads that got no answer within
``--timeout`` seconds, imports started and the p50 of their answers' latency. Only 127.0.0.1 is contacted;
every loop is bounded by its phase's duration.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

JSONAPI = "application/vnd.api+json"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--imports", type=int, default=4, help="imports kept in flight")
    parser.add_argument("--drip", type=float, default=3.0, help="seconds each manifest's body takes")
    parser.add_argument("--canvases", type=int, default=200)
    parser.add_argument("--readers", type=int, default=2, help="client threads reading")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per phase")
    parser.add_argument("--timeout", type=float, default=10.0, help="a read without an answer by then fails")
    return parser.parse_args(argv)


def request(base, method, path, token, body=None, headers=None, timeout=10.0):
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Accept": JSONAPI, "Authorization": f"Bearer {token}", **(headers or {})}
    if data is not None:
        sent["Content-Type"] = "application/json"
    start = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, data=data, method=method, headers=sent),
                                    timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = None                                   # no answer in time
    return status, time.monotonic() - start


def seed(database_url):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.auth import issue_token
    from app.extensions import db
    from app.models import Collection, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REQUEST_LOG": False})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        user = User(login="bench", display_name="Bench", email="bench@example.org")
        db.session.add(user)
        db.session.flush()
        collection = Collection(name="bench", display_name="Bench", owner_user_id=user.id, private=False)
        db.session.add(collection)
        db.session.commit()
        token, _ = issue_token(user, expires_in=3600)
        return token, collection.id


def phase(name, base, token, collection, urls, args):
    stop = time.monotonic() + args.duration
    reads, lost, imports, import_times = [], [0], [0], []
    lock = threading.Lock()

    def reader():
        while time.monotonic() < stop:
            status, seconds = request(base, "GET", f"/api/collections/{collection}", token, timeout=args.timeout)
            with lock:
                if status == 200:
                    reads.append(seconds)
                else:
                    lost[0] += 1

    def importer(url):
        headers = {"Prefer": "respond-async"} if name == "async" else {}
        while time.monotonic() < stop:
            status, seconds = request(base, "POST", f"/api/collections/{collection}/import/manifest", token,
                                      {"manifest": url}, headers, timeout=args.drip * args.imports + 30)
            with lock:
                imports[0] += 1
                import_times.append(seconds)
            if name == "async":   # a job per drip period per slot: the worker is kept busy, not flooded
                time.sleep(max(0.0, min(args.drip, stop - time.monotonic())))

    threads = [threading.Thread(target=reader) for _ in range(args.readers)]
    if name != "idle":
        threads += [threading.Thread(target=importer, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.duration + args.timeout + args.drip * args.imports + 60)
    ordered = sorted(reads)
    p = (lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000) if ordered else (lambda q: 0.0)
    print(f"{name:6} reads {len(reads):5}  {len(reads) / args.duration:7.1f}/s  p50 {p(0.5):7.1f}  "
          f"p90 {p(0.9):7.1f}  max {(ordered[-1] * 1000 if ordered else 0):8.1f} ms  no answer {lost[0]:3}  "
          f"imports {imports[0]:3} (answer p50 "
          f"{(statistics.median(import_times) * 1000 if import_times else 0):7.1f} ms)", flush=True)
    return p(0.5)


def main(argv=None):
    args = parse_args(argv)
    from app.services.iiif import synthetic_manifest
    from tests.gunicorn_server import GunicornServer
    from tests.iiif_server import FixtureServer
    from tests.job_worker import JobWorker

    folder = tempfile.mkdtemp(prefix="hyperapi-jobs-bench-")
    database_url = os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + os.path.join(folder, "bench.sqlite3")
    token, collection = seed(database_url)
    manifests = FixtureServer()
    body = json.dumps(synthetic_manifest(args.canvases)).encode()
    urls = [manifests.route(f"/drip/{n}.json", body, content_type="application/ld+json", drip=args.drip)
            for n in range(args.imports)]
    env = {"DATABASE_URL": database_url, "JOBS_QUEUE_URL": "sqlite:///" + os.path.join(folder, "queue.sqlite3"),
           "MANIFEST_FETCH_ALLOWLIST": f"127.0.0.1:{manifests.port}", "REQUEST_LOG": "false",
           "SECRET_KEY": "bench-only"}
    if os.environ.get("TEST_REDIS_URL"):
        env["JOBS_QUEUE_URL"] = os.environ["TEST_REDIS_URL"]
    print(f"gunicorn {args.workers} sync workers, job worker 2 threads, {args.imports} imports in flight "
          f"({args.canvases} canvases, {args.drip} s drip), {args.readers} readers, {args.duration} s a phase; "
          f"database {database_url.split(':', 1)[0]}, queue {env['JOBS_QUEUE_URL'].split(':', 1)[0]}")
    try:
        with GunicornServer(database_url, workers=args.workers, env=env, request_log=False) as web, \
                JobWorker(env, workers=2):
            idle = phase("idle", web.base_url, token, collection, urls, args)
            async_p50 = phase("async", web.base_url, token, collection, urls, args)
            time.sleep(args.drip + 1)                    # let the last jobs finish before the next phase
            sync_p50 = phase("sync", web.base_url, token, collection, urls, args)
    finally:
        manifests.close()
    if idle:
        print(f"read p50 against idle: async x{async_p50 / idle:.2f}, sync x{sync_p50 / idle:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
