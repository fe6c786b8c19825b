"""What both benchmarks share: a throw-away database, bulk seeding, a real HTTP server, a tiny client.

Everything runs on 127.0.0.1 only. The server is gunicorn (one sync worker, the production server of
API §1) in a child process, started on an ephemeral port; the parent process is the client.
"""
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sqlalchemy import insert, select  # noqa: E402

JSONAPI = "application/vnd.api+json"
PANOPTES = "application/vnd.api+json; version=1"


# -- the application ---------------------------------------------------------------------------

def database_url(path):
    """A database URL as it is, or a SQLite file's path as its URL."""
    return path if "://" in path else "sqlite:///" + path


def make_app(db_path, with_baseline=True):
    """The real application on ``db_path``, plus the hand-written baseline blueprint."""
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(db_path), "QUERY_COUNT_HEADER": True,
                      "SECRET_KEY": "bench-only", "PAGE_SIZE_DEFAULT": 20, "PAGE_SIZE_MAX": 100,
                      "PUBLIC_URL": None})
    if with_baseline:
        from bench.baseline import baseline

        app.register_blueprint(baseline)
    return app


def server_app():
    """gunicorn entry point (``bench.common:server_app()``): the database path comes from the environment."""
    return make_app(os.environ["BENCH_DB_PATH"])


def migrate(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


# -- seeding with Core executemany ------------------------------------------------------------

def _stamps(i, base=datetime(2026, 1, 1, tzinfo=timezone.utc)):
    t = base + timedelta(seconds=i)
    return {"created_at": t, "updated_at": t, "lock_version": 1}


def seed_people(users=20, groups=3):
    """Users u0…, groups g0… (each user a member of one group); returns (user ids, group ids)."""
    from app.extensions import db
    from app.models import Membership, User, UserGroup

    db.session.execute(insert(User), [
        {"login": f"user{i}", "display_name": f"User {i}", "email": f"user{i}@example.org", "admin": False,
         **_stamps(i)} for i in range(users)
    ])
    db.session.execute(insert(UserGroup), [
        {"name": f"group{i}", "display_name": f"Group {i}", **_stamps(i)} for i in range(groups)
    ])
    user_ids = db.session.scalars(select(User.id).order_by(User.id)).all()
    group_ids = db.session.scalars(select(UserGroup.id).order_by(UserGroup.id)).all()
    db.session.execute(insert(Membership), [
        {"user_group_id": group_ids[i % groups], "user_id": uid, "role": "group_member",
         "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc)} for i, uid in enumerate(user_ids)
    ])
    db.session.commit()
    return user_ids, group_ids


def _owner(i, user_ids, group_ids):
    """Every tenth collection is owned by a group, the rest by users in turn."""
    if group_ids and i % 10 == 9:
        return {"owner_user_id": None, "owner_group_id": group_ids[i % len(group_ids)]}
    return {"owner_user_id": user_ids[i % len(user_ids)], "owner_group_id": None}


def seed_collections(n_collections, subjects_each, user_ids, group_ids, chunk=20000):
    """``n_collections`` public collections with ``subjects_each`` subjects each, all in bulk.

    Returns the collection ids in order. The first subject of every other collection is its default.
    """
    from app.engine.relations import insert_links
    from app.extensions import db
    from app.models import Collection, CollectionSubject, Subject

    table_c, table_s, table_cs = Collection.__table__, Subject.__table__, CollectionSubject.__table__
    before = db.session.scalar(select(table_c.c.id).order_by(table_c.c.id.desc()).limit(1)) or 0
    db.session.execute(insert(table_c), [
        {"name": f"collection_{i}", "display_name": f"Collection {i}", "description": f"Benchmark collection {i}",
         "private": False, "favorite": False, "default_subject_id": None, **_owner(i, user_ids, group_ids),
         **_stamps(i)} for i in range(n_collections)
    ])
    collection_ids = db.session.scalars(select(table_c.c.id).where(table_c.c.id > before)
                                        .order_by(table_c.c.id)).all()
    first_subject = {}
    for c_pos, cid in enumerate(collection_ids):
        owner = _owner(c_pos, user_ids, group_ids)
        start = db.session.scalar(select(table_s.c.id).order_by(table_s.c.id.desc()).limit(1)) or 0
        done = 0
        while done < subjects_each:
            count = min(chunk, subjects_each - done)
            db.session.execute(insert(table_s), [
                {"locations": [{"image/jpeg": f"https://img.example.org/{cid}/{done + k}.jpg"}],
                 "metadata": {"n": done + k, "collection": cid}, **owner, **_stamps(done + k)}
                for k in range(count)
            ])
            done += count
        # Subject ids are consecutive on a fresh SQLite table, but read them back to be sure.
        ids = db.session.scalars(select(table_s.c.id).where(table_s.c.id > start).order_by(table_s.c.id)).all()
        for offset in range(0, len(ids), chunk):
            # one statement per chunk on PostgreSQL too, so the member counters' trigger runs once per chunk
            insert_links(table_cs, [{"collection_id": cid, "subject_id": sid} for sid in ids[offset:offset + chunk]])
        first_subject[cid] = ids[0] if ids else None
    for c_pos, cid in enumerate(collection_ids):
        if c_pos % 2 == 0 and first_subject[cid] is not None:
            db.session.execute(table_c.update().where(table_c.c.id == cid)
                               .values(default_subject_id=first_subject[cid], updated_at=_stamps(c_pos)["updated_at"]))
    db.session.commit()
    return collection_ids


# -- a real server in a child process ---------------------------------------------------------

class Server:
    """gunicorn with one sync worker on 127.0.0.1, an ephemeral port, serving ``server_app()``."""

    def __init__(self, db_path, workers=1, root=ROOT, app_spec="bench.common:server_app()", env=None,
                 python=None, ready_path="/api/health"):
        """``root``, ``app_spec`` and ``env``: serve another checkout's code (``wsgi:app`` configured by
        ``env``), e.g. the main branch's, for a before/after comparison in one run."""
        self.db_path, self.workers = db_path, workers
        self.root, self.app_spec, self.env = root, app_spec, env or {}
        self.python, self.ready_path = python or sys.executable, ready_path  # another venv's gunicorn
        self.proc = None
        self.port = None

    def __enter__(self):
        env = dict(os.environ, BENCH_DB_PATH=self.db_path, PYTHONPATH=self.root, **self.env)
        gunicorn = os.path.join(os.path.dirname(self.python), "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "--bind", "127.0.0.1:0", "--workers", str(self.workers), "--worker-class", "sync",
             "--log-level", "info", "--chdir", self.root, self.app_spec],
            # started in the checkout too: gunicorn puts its starting directory first on sys.path (and reads
            # gunicorn.conf.py there), so from another checkout it would serve that one's code
            cwd=self.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 30
        booted = 0
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if found:
                self.port = int(found.group(1))
            if "Booting worker" in line:
                booted += 1
            if self.port and booted >= self.workers:
                break
        if not self.port:
            self.__exit__(None, None, None)
            raise RuntimeError("gunicorn did not start")
        # Keep draining stderr so the child never blocks on a full pipe.
        import threading

        threading.Thread(target=self._drain, daemon=True).start()
        self._wait_ready()
        return self

    def _drain(self):
        for _line in self.proc.stderr:
            pass

    def _wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _h, _b = self.get(self.ready_path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not answer /api/health")

    def get(self, path, accept=JSONAPI, token=None):
        """One GET on a fresh connection (gunicorn's sync worker closes it after each response)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept": accept}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            return response.status, dict(response.getheaders()), body
        finally:
            conn.close()

    def worker_cpu(self):
        """CPU seconds (user + system) the gunicorn workers have used so far, from /proc; None elsewhere."""
        try:
            children = []
            for task in os.listdir(f"/proc/{self.proc.pid}/task"):
                with open(f"/proc/{self.proc.pid}/task/{task}/children") as fh:
                    children.extend(int(p) for p in fh.read().split())
            total = 0
            for pid in children:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            return total / os.sysconf("SC_CLK_TCK") if children else None
        except (OSError, ValueError):
            return None

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class TempDatabase:
    """A temporary directory holding the SQLite file; removed on exit unless ``keep``."""

    def __init__(self, keep=False):
        self.keep = keep

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="hyperapi-bench-")
        self.path = os.path.join(self.dir, "bench.sqlite3")
        return self

    def __exit__(self, *exc):
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
