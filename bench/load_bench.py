"""Mixed read/write load against the real server: gunicorn (sync workers) on PostgreSQL.

    scripts/with-postgres.sh .venv/bin/python bench/load_bench.py [--workers 2,4] [--duration 15]
    make load LOAD_ARGS='--duration 15'

The database is the one in ``--database-url`` (default: ``LOAD_DATABASE_URL``, else the
``TEST_DATABASE_URL`` that scripts/with-postgres.sh exports). It must be on the loopback interface and
is wiped and rebuilt with the migrations, so point it only at a throw-away database (the script refuses
a database that already holds tables unless its name contains "test" or "bench", or ``--force``).

Seeding (Core inserts, not the API): ``--users`` users with a token each, every user owning
``--collections-each`` collections of ``--subjects-each`` subjects. Then, for each worker count, it
starts ``gunicorn --workers N wsgi:app`` on 127.0.0.1 and an ephemeral port and runs ``--threads``
client threads, each acting as one user, for ``--duration`` seconds or ``--max-requests`` requests in
all, whichever comes first. Each request is drawn from this mix (weights in percent):

    30  GET  /api/collections?page[size]=20                       (JSON:API)
    15  GET  /api/collections?include=owner,subjects&page[size]=10  (Panoptes dialect)
    15  GET  /api/collections/<id>?include=subjects
    10  GET  /api/subjects?page[size]=20
    10  PATCH /api/collections/<own id>  (description, no If-Match)
     8  POST /api/collections/<own id>/relationships/subjects  (one of the user's subjects)
     7  DELETE /api/collections/<own id>/relationships/subjects
     5  POST /api/subjects

It prints, per worker count, requests, requests per second, p50/p90/p99 latency, 4xx answers and errors
(5xx answers and requests without an answer). Only 127.0.0.1 is contacted; time and requests are bounded.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sqlalchemy import insert, inspect, select, text

JSONAPI = "application/vnd.api+json"
PANOPTES = "application/vnd.api+json; version=1"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL")
                        or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--workers", default="2,4", help="comma-separated gunicorn worker counts")
    parser.add_argument("--threads", type=int, default=8, help="client threads (one user each)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per worker count")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load first")
    parser.add_argument("--max-requests", type=int, default=20000, help="cap per worker count")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--collections-each", type=int, default=10)
    parser.add_argument("--subjects-each", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="wipe a database that already holds tables")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("no database: pass --database-url or run under scripts/with-postgres.sh")
    host = urlsplit(args.database_url).hostname if "://" in args.database_url else None
    if not args.database_url.startswith("sqlite") and host not in LOOPBACK:
        parser.error(f"the database must be on the loopback interface, not {host!r}")
    args.worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    return args


# -- the database -------------------------------------------------------------------------------

def prepare_database(args):
    """Wipe, migrate and seed; returns {"users": [(user id, token, [collection ids], [subject ids])]}."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth import issue_token
    from app.extensions import db
    from app.engine.relations import insert_links
    from app.models import Collection, CollectionSubject, Subject, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "load-bench",
                      "REQUEST_LOG": False})
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        name = urlsplit(args.database_url).path.rsplit("/", 1)[-1]
        if tables and not (args.force or "test" in name or "bench" in name):
            sys.exit(f"refusing to wipe {name!r}: it holds tables; use a throw-away database or --force")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        else:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade()

        base = datetime(2026, 1, 1, tzinfo=timezone.utc)

        def stamps(i):
            t = base + timedelta(seconds=i)
            return {"created_at": t, "updated_at": t, "lock_version": 1}

        db.session.execute(insert(User), [
            {"login": f"load{u}", "display_name": f"Load {u}", "email": f"load{u}@example.org", "admin": False,
             **stamps(u)} for u in range(args.users)])
        users = db.session.scalars(select(User).order_by(User.id)).all()
        seeded = []
        n = 0
        for user in users:
            db.session.execute(insert(Subject), [
                {"locations": [{"image/jpeg": f"https://img.example.org/{user.id}/{s}.jpg"}], "metadata_": {"s": s},
                 "owner_user_id": user.id, **stamps(n + s)}
                for s in range(args.collections_each * args.subjects_each)])
            subjects = db.session.scalars(select(Subject.id).where(Subject.owner_user_id == user.id)
                                          .order_by(Subject.id)).all()
            db.session.execute(insert(Collection), [
                {"name": f"c{user.id}_{c}", "display_name": f"Collection {user.id}/{c}", "description": "",
                 "private": False, "favorite": False, "owner_user_id": user.id, **stamps(n + c)}
                for c in range(args.collections_each)])
            collections = db.session.scalars(select(Collection.id).where(Collection.owner_user_id == user.id)
                                             .order_by(Collection.id)).all()
            # the first half of each collection's subjects is linked; the rest are for adding
            half = args.subjects_each // 2
            links = [{"collection_id": cid, "subject_id": subjects[i * args.subjects_each + k]}
                     for i, cid in enumerate(collections) for k in range(half)]
            insert_links(CollectionSubject.__table__, links)  # one statement: the counters' trigger runs once
            n += len(subjects)
            seeded.append([user.id, None, list(collections), list(subjects)])
        db.session.commit()
        for entry, user in zip(seeded, users):
            entry[1] = issue_token(user)[0]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seeded


# -- the client ---------------------------------------------------------------------------------

class Recorder:
    def __init__(self, max_requests):
        self.lock = threading.Lock()
        self.max_requests = max_requests
        self.sent = 0
        self.latencies = []
        self.statuses = {}
        self.failures = 0
        self.samples = []

    def claim(self):
        with self.lock:
            if self.sent >= self.max_requests:
                return False
            self.sent += 1
            return True

    def record(self, seconds, status, sample=None):
        with self.lock:
            self.latencies.append(seconds)
            if status is None:
                self.failures += 1
            else:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if sample and len(self.samples) < 5:
                self.samples.append(sample)


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


MIX = [(30, "list"), (15, "list_panoptes"), (15, "show"), (10, "subjects"), (10, "patch"), (8, "link"),
       (7, "unlink"), (5, "create_subject")]


def request_for(kind, user, rng, counter):
    """(method, path, headers, body) for one request of the mix, as ``user``."""
    _uid, token, collections, subjects = user
    auth = {"Authorization": f"Bearer {token}"}
    jsonapi = {"Accept": JSONAPI, **auth}
    if kind == "list":
        return "GET", "/api/collections?page[size]=20", jsonapi, None
    if kind == "list_panoptes":
        return "GET", "/api/collections?include=owner,subjects&page[size]=10", {"Accept": PANOPTES}, None
    if kind == "show":
        return "GET", f"/api/collections/{rng.choice(collections)}?include=subjects", jsonapi, None
    if kind == "subjects":
        return "GET", "/api/subjects?page[size]=20", jsonapi, None
    writing = {**jsonapi, "Content-Type": JSONAPI}
    collection = rng.choice(collections)
    if kind == "patch":
        body = {"data": {"type": "collections", "id": str(collection),
                         "attributes": {"description": f"edited {counter}"}}}
        return "PATCH", f"/api/collections/{collection}", writing, body
    if kind in ("link", "unlink"):
        body = {"data": [{"type": "subjects", "id": str(rng.choice(subjects))}]}
        method = "POST" if kind == "link" else "DELETE"
        return method, f"/api/collections/{collection}/relationships/subjects", writing, body
    body = {"data": {"type": "subjects", "attributes": {
        "locations": [{"image/jpeg": f"https://img.example.org/new/{counter}.jpg"}], "metadata": {}}}}
    return "POST", "/api/subjects", writing, body


def client_thread(port, user, args, recorder, stop_at, measure_from, seed):
    rng = random.Random(seed)
    weights = [w for w, _ in MIX]
    kinds = [k for _, k in MIX]
    counter = 0
    while time.monotonic() < stop_at:
        measuring = time.monotonic() >= measure_from
        if measuring and not recorder.claim():
            return
        counter += 1
        kind = rng.choices(kinds, weights)[0]
        method, path, headers, body = request_for(kind, user, rng, f"{seed}-{counter}")
        data = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        status, sample = None, None
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            status = response.status
            if status >= 400:
                sample = f"{method} {path} -> {status}: {payload[:200]!r}"
        except (OSError, http.client.HTTPException) as exc:
            sample = f"{method} {path} -> {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        if measuring:
            recorder.record(time.perf_counter() - started, status, sample)


def run_load(port, users, args):
    recorder = Recorder(args.max_requests)
    begin = time.monotonic()
    measure_from = begin + args.warmup
    stop_at = measure_from + args.duration
    threads = [threading.Thread(target=client_thread, daemon=True,
                                args=(port, users[i % len(users)], args, recorder, stop_at, measure_from,
                                      args.seed * 1000 + i))
               for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.warmup + args.duration + args.timeout + 5)
    elapsed = min(time.monotonic(), stop_at) - measure_from
    return recorder, max(elapsed, 1e-9)


def main(argv=None):
    args = parse_args(argv)
    from tests.gunicorn_server import GunicornServer

    users = prepare_database(args)
    database = args.database_url.split(":", 1)[0]
    print(f"database {database}; {args.users} users x {args.collections_each} collections x "
          f"{args.subjects_each} subjects; {args.threads} client threads; {args.duration:g} s "
          f"(after {args.warmup:g} s warm-up) or {args.max_requests} requests per run; cpus {os.cpu_count()}")
    header = (f"{'workers':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
              f"{'4xx':>5} {'errors':>6}")
    print(header)
    results = []
    for workers in args.worker_counts:
        with GunicornServer(args.database_url, workers=workers, env={"REQUEST_LOG": "true"}) as server:
            recorder, elapsed = run_load(server.port, users, args)
        latencies = [s * 1000 for s in recorder.latencies]
        client_errors = sum(n for s, n in recorder.statuses.items() if 400 <= s < 500)
        errors = recorder.failures + sum(n for s, n in recorder.statuses.items() if s >= 500)
        row = {"workers": workers, "requests": len(latencies), "rps": len(latencies) / elapsed,
               "p50": percentile(latencies, 0.50), "p90": percentile(latencies, 0.90),
               "p99": percentile(latencies, 0.99), "4xx": client_errors, "errors": errors}
        results.append(row)
        print(f"{workers:>7} {row['requests']:>8} {row['rps']:>7.1f} {row['p50']:>7.1f} {row['p90']:>7.1f} "
              f"{row['p99']:>7.1f} {client_errors:>5} {errors:>6}", flush=True)
        for sample in recorder.samples:
            print(f"        e.g. {sample}")
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
