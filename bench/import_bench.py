"""IIIF import throughput: a synthetic 3.0 manifest of 10,000 canvases.

    .venv/bin/python bench/import_bench.py [--canvases 10000] [--repeat 5] [--v2] [--memory] [--parse-only]

Builds the manifest with ``app.services.iiif.synthetic_manifest`` (one painted image per canvas with an
ImageService3; ``--v2`` converts it to a 2.1 manifest so the normalising path is measured too), serialises
it once, then for each of ``--repeat`` rounds times:

* ``parse``: ``read_manifest`` on the already-decoded document (what the importer does per manifest);
* ``decode+parse``: ``orjson.loads`` of the bytes, then ``read_manifest``;
* each registered store step on the result: ``parse+store`` (``store_parsed``) decodes, parses and stores
  the manifest with ``store_manifest`` and commits, in an app on a temporary SQLite file migrated with
  ``flask_migrate.upgrade()`` (one user, one collection); ``--parse-only`` leaves it out.

The same steps then run on the largest shared manifest, tests/fixtures/iiif/v2-florus-empty-canvases.json
(322 canvases, 238 images). It prints the median seconds and canvases/second of each step, the number of
SQL statements one store ran (its commit not counted), and with ``--memory`` the peak Python allocation
(tracemalloc) of one ``read_manifest`` and of one decode+parse+store, next to the size of the JSON, and
the process's peak resident size.

The parse-and-store half plugs in by adding a step to ``STORE_STEPS``: a ``(name, factory)`` pair where
``factory(args)`` returns ``(store, cleanup)``; ``store(result)`` persists one ``ManifestImport`` (e.g. an
image set and its images in a throw-away database from ``bench.common``), ``cleanup()`` runs at the end.
"""
import argparse
import os
import resource
import shutil
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import orjson  # noqa: E402

from app.services.iiif import read_manifest, synthetic_manifest  # noqa: E402

# (name, factory(args) -> (store(ManifestImport) -> None, cleanup() -> None))
STORE_STEPS = []

FLORUS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "tests", "fixtures", "iiif", "v2-florus-empty-canvases.json")


class SqliteStore:
    """``store(result)``: one image set with its images in a throw-away SQLite database, committed.

    ``statements`` is the number of SQL statements the last store ran (BEGIN/COMMIT not counted).
    """

    def __init__(self, args):
        import tempfile

        from sqlalchemy import event

        from app.extensions import db
        from app.models import Collection, User
        from bench.common import make_app, migrate

        self.dir = tempfile.mkdtemp(prefix="hyperapi-import-bench-")
        self.app = make_app(os.path.join(self.dir, "bench.sqlite3"), with_baseline=False)
        self.app.config["QUERY_COUNT_HEADER"] = False
        migrate(self.app)
        self.context = self.app.app_context()
        self.context.push()
        self.counting = False
        self.statements = 0
        event.listen(db.engine, "before_cursor_execute", self._count)
        user = User(login="importer", display_name="Importer", email="importer@example.org", admin=False)
        db.session.add(user)
        db.session.flush()
        collection = Collection(display_name="Imports", name="imports", owner_user_id=user.id)
        db.session.add(collection)
        db.session.commit()
        self.user_id, self.collection_id = user.id, collection.id

    def _count(self, *_args, **_kw):
        if self.counting:
            self.statements += 1

    def __call__(self, result):
        from app.extensions import db
        from app.services.importer import store_manifest

        self.statements, self.counting = 0, True
        try:
            store_manifest(result, self.collection_id, self.user_id)
        finally:
            self.counting = False
        db.session.commit()

    def cleanup(self):
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.context.pop()
        shutil.rmtree(self.dir, ignore_errors=True)


def store_parsed(args):
    store = SqliteStore(args)
    return store, store.cleanup


STORE_STEPS.append(("parse+store", store_parsed))


def to_v2(doc):
    """The synthetic 3.0 manifest written as a 2.1 manifest (same canvases, images and services)."""
    canvases = []
    for canvas in doc["items"]:
        images = []
        for page in canvas["items"]:
            for annotation in page["items"]:
                body = annotation["body"]
                resource = {"@id": body["id"], "@type": "dctypes:Image", "format": body["format"],
                            "width": body["width"], "height": body["height"]}
                if body.get("service"):
                    resource["service"] = {"@context": "http://iiif.io/api/image/2/context.json",
                                           "@id": body["service"][0]["id"],
                                           "profile": "http://iiif.io/api/image/2/level1.json"}
                images.append({"@id": annotation["id"], "@type": "oa:Annotation", "motivation": "sc:painting",
                               "resource": resource, "on": canvas["id"]})
        canvases.append({"@id": canvas["id"], "@type": "sc:Canvas", "label": canvas["label"]["en"][0],
                         "width": canvas["width"], "height": canvas["height"], "images": images})
    return {"@context": "http://iiif.io/api/presentation/2/context.json", "@id": doc["id"],
            "@type": "sc:Manifest", "label": doc["label"]["en"][0], "attribution": "Benchmark data",
            "sequences": [{"@type": "sc:Sequence", "canvases": canvases}]}


def timed(function, repeat):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def report(name, seconds, canvases):
    print("%-14s %8.1f ms  %10.0f canvases/s" % (name, seconds * 1000, canvases / seconds))


def peak_allocation(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(doc, data, args, expect=None):
    """Every step on one manifest; ``expect``: (canvases, images) the result must have."""
    seconds, result = timed(lambda: read_manifest(doc), args.repeat)
    if expect is not None and (result.canvases, len(result.images)) != expect:
        print("unexpected result: %r" % (result.counts,))
        return 1
    canvases = result.canvases
    report("parse", seconds, canvases)
    seconds, _ = timed(lambda: read_manifest(orjson.loads(data)), args.repeat)
    report("decode+parse", seconds, canvases)

    peaks = [("read_manifest", peak_allocation(lambda: read_manifest(doc)))]
    for name, factory in ([] if args.parse_only else STORE_STEPS):
        store, cleanup = factory(args)
        try:
            seconds, _ = timed(lambda store=store: store(read_manifest(orjson.loads(data))), args.repeat)
            report(name, seconds, canvases)
            if getattr(store, "statements", None) is not None:
                print("  %s: %d SQL statements per store of %d images (+ commit)"
                      % (name, store.statements, len(result.images)))
            if args.memory:
                peaks.append((name, peak_allocation(lambda store=store: store(read_manifest(orjson.loads(data))))))
        finally:
            cleanup()
    if args.memory:
        for name, peak in peaks:
            print("peak allocation of %s: %.1f MB (JSON %.1f MB)" % (name, peak / 1e6, len(data) / 1e6))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--canvases", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--v2", action="store_true", help="measure a 2.1 manifest (normalised to 3.0)")
    parser.add_argument("--memory", action="store_true",
                        help="peak allocation of one read_manifest and of one parse+store")
    parser.add_argument("--parse-only", action="store_true", help="leave the store steps out")
    args = parser.parse_args(argv)

    doc = synthetic_manifest(args.canvases)
    if args.v2:
        doc = to_v2(doc)
    data = orjson.dumps(doc)
    print("manifest: IIIF %s, %d canvases, %.1f MB JSON, %d rounds (median)"
          % ("2.1" if args.v2 else "3.0", args.canvases, len(data) / 1e6, args.repeat))
    if measure(doc, data, args, expect=(args.canvases, args.canvases)):
        return 1

    with open(FLORUS, "rb") as f:
        data = f.read()
    doc = orjson.loads(data)
    print("\nmanifest: %s, IIIF 2.1, 322 canvases (238 images), %.2f MB JSON, %d rounds (median)"
          % (os.path.basename(FLORUS), len(data) / 1e6, args.repeat))
    if measure(doc, data, args, expect=(322, 238)):
        return 1
    if args.memory:
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print("\npeak resident size of the process: %.0f MB" % peak_rss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
