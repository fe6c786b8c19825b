"""Where the time of a collection list goes: pyinstrument over in-process requests.

    .venv/bin/pip install pyinstrument        # bench-only (setup.cfg extra "bench")
    .venv/bin/python bench/profile_render.py [--size 100] [--requests 60] [--html out.html]

Seeds a temporary SQLite database like collections_bench.py (100 public collections x 10 subjects), then
profiles ``--requests`` requests of ``GET /api/collections?include=owner,subjects&page[size]=N`` through
the Flask test client (no HTTP server, so only the application's own time is sampled) and prints the
call tree, then the share of a few named costs found in it.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import JSONAPI, TempDatabase, make_app, migrate, seed_collections, seed_people  # noqa: E402

# name in the report → functions whose time it is (a frame counts once, at its outermost match)
COSTS = {
    "timestamps read (SQLite DATETIME → datetime)": ("process",),
    "JSON columns decoded": ("loads", "process_json"),
    "timestamps written (iso_utc)": ("iso_utc",),
    "URL building (link templates, self links)": ("jsonapi_link_templates", "page_href"),
    "document building (documents.py)": ("jsonapi_document",),
    "orjson.dumps": ("dumps",),
    "SQL execution (execute)": ("execute",),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--html")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    with TempDatabase() as tdb:
        app = make_app(tdb.path, with_baseline=False)
        app.config["REQUEST_LOG"] = False
        migrate(app)
        with app.app_context():
            users, groups = seed_people()
            seed_collections(100, 10, users, groups)
        client = app.test_client()
        url = f"/api/collections?include=owner,subjects&page[size]={args.size}"
        for _ in range(5):
            assert client.get(url, headers={"Accept": JSONAPI}).status_code == 200
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            client.get(url, headers={"Accept": JSONAPI})
        profiler.stop()
        body = client.get(url, headers={"Accept": JSONAPI}).get_data()
    import hashlib
    import timeit
    md5_ms = min(timeit.repeat(lambda: hashlib.md5(body).hexdigest(), number=20, repeat=5)) / 20 * 1000
    session = profiler.last_session
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        with open(args.html, "w") as fh:
            fh.write(profiler.output_html())
    total = session.duration
    root = session.root_frame()

    def spent(names, frame, inside=False):
        hit = frame.function in names
        own = frame.time if hit and not inside else 0
        return own + sum(spent(names, child, inside or hit) for child in frame.children)

    print(f"{args.requests} requests, {total * 1000 / args.requests:.1f} ms each (in-process, profiled)")
    print(f"  {'ETag: md5 of the %d-byte body (timed apart)' % len(body):<48} {md5_ms:6.2f} ms")
    for label, names in COSTS.items():
        ms = spent(set(names), root) * 1000 / args.requests
        print(f"  {label:<48} {ms:6.2f} ms  {ms / (total * 1000 / args.requests):5.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
