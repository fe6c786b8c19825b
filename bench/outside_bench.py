"""The collection list side by side with other servers over the same rows.

    .venv/bin/python bench/outside_bench.py [--duration 5] [--rounds 3] [--clients 4] [--sizes 20]

Seeds a temporary SQLite database (100 public collections x 10 subjects, as collections_bench.py) and
serves the same request, ``GET collections?include=owner,subjects&page[size]=N``, from three gunicorn
servers with 2 sync workers each:

* ours (``wsgi:app``, JSON:API dialect);
* flask-rest-jsonapi 0.31.2 (``bench/outside/frj_app.py``) in its own venv with its pinned old stack
  (Flask 1.1, SQLAlchemy 1.3, marshmallow 3.13), made under ``bench/.venv-frj`` on the first run;
* a plain hand-written Flask + orjson endpoint (``bench/outside/plain_app.py``) whose document is flat
  dicts, not JSON:API.

``--clients`` threads of this process send requests, each on a fresh connection, for ``--duration``
seconds per server per round; rounds rotate the order. It prints requests per second, response sizes and
the ratios ours / other. This is an outside comparison (different documents, different libraries); the
like-for-like instrument for the render path is collections_bench.py.
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import ROOT, JSONAPI, Server, TempDatabase, make_app, migrate, seed_collections, seed_people  # noqa: E402

FRJ_VENV = os.path.join(ROOT, "bench", ".venv-frj")
FRJ_PINS = ["flask-rest-jsonapi==0.31.2", "Flask==1.1.4", "Werkzeug==1.0.1", "Jinja2==2.11.3", "MarkupSafe==2.0.1",
            "itsdangerous==1.1.0", "SQLAlchemy==1.3.24", "Flask-SQLAlchemy==2.5.1", "marshmallow==3.13.0",
            "marshmallow-jsonapi==0.24.0", "gunicorn==23.0.0", "orjson"]
OUTSIDE = os.path.join(ROOT, "bench", "outside")


def frj_python():
    python = os.path.join(FRJ_VENV, "bin", "python")
    if not os.path.exists(os.path.join(FRJ_VENV, ".installed")):
        subprocess.run([sys.executable, "-m", "venv", FRJ_VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *FRJ_PINS], check=True)
        open(os.path.join(FRJ_VENV, ".installed"), "w").close()
    return python


def load(server, path, seconds, clients):
    """Requests per second of ``clients`` threads for ``seconds``."""
    done = [0] * clients
    deadline = time.perf_counter() + seconds

    def worker(k):
        while time.perf_counter() < deadline:
            status, _h, _b = server.get(path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            done[k] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--sizes", default="20")
    args = parser.parse_args(argv)
    python = frj_python()
    with TempDatabase() as tdb:
        app = make_app(tdb.path, with_baseline=False)
        migrate(app)
        with app.app_context():
            users, groups = seed_people()
            seed_collections(100, 10, users, groups)
        url = "sqlite:///" + tdb.path
        env = {"DATABASE_URL": url, "REQUEST_LOG": "false", "SECRET_KEY": "bench-only"}
        servers = {
            "ours": Server(tdb.path, workers=2, app_spec="wsgi:app", env=env),
            "flask-rest-jsonapi": Server(tdb.path, workers=2, root=OUTSIDE, app_spec="frj_app:app", env=env,
                                         python=python, ready_path="/collections?page[size]=1"),
            "plain orjson": Server(tdb.path, workers=2, root=OUTSIDE, app_spec="plain_app:app", env=env,
                                   ready_path="/collections?page[size]=1"),
        }
        paths = {"ours": "/api/collections?include=owner,subjects&page[size]={n}",
                 "flask-rest-jsonapi": "/collections?include=owner,subjects&page[size]={n}",
                 "plain orjson": "/collections?page[size]={n}"}
        for server in servers.values():
            server.__enter__()
        try:
            print(f"gunicorn, 2 sync workers each; {args.clients} client threads; {args.rounds} rounds x "
                  f"{args.duration:g}s per server; {os.cpu_count()} CPUs shared by servers and client")
            for size in [int(s) for s in args.sizes.split(",")]:
                sizes = {}
                for name, server in servers.items():
                    status, _h, body = server.get(paths[name].format(n=size), JSONAPI)
                    assert status == 200, (name, status, body[:200])
                    sizes[name] = len(body)
                rates = {name: [] for name in servers}
                names = list(servers)
                for number in range(args.rounds):
                    order = names[number % len(names):] + names[:number % len(names)]
                    for name in order:
                        rates[name].append(load(servers[name], paths[name].format(n=size), args.duration,
                                                args.clients))
                print(f"\npage size {size}")
                print(f"{'server':<20} | {'req/s':>7} | {'per round':<24} | {'bytes':>7} | ours / this")
                for name in names:
                    median = statistics.median(rates[name])
                    ours = statistics.median(rates["ours"])
                    rounds = ", ".join(f"{r:.0f}" for r in rates[name])
                    print(f"{name:<20} | {median:7.1f} | {rounds:<24} | {sizes[name]:>7} | {ours / median:.2f}")
        finally:
            for server in servers.values():
                server.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
