"""IIIF import throughput: a synthetic 3.0 manifest of 10,000 canvases.

    .venv/bin/python bench/import_bench.py [--canvases 10000] [--repeat 5] [--v2] [--memory]

Builds the manifest with ``app.services.iiif.synthetic_manifest`` (one painted image per canvas with an
ImageService3; ``--v2`` converts it to a 2.1 manifest so the normalising path is measured too), serialises
it once, then for each of ``--repeat`` rounds times:

* ``parse``: ``read_manifest`` on the already-decoded document (what the importer does per manifest);
* ``decode+parse``: ``orjson.loads`` of the bytes, then ``read_manifest``;
* each registered store step on the result (none yet: see ``STORE_STEPS``).

It prints the median seconds and canvases/second of each step, and with ``--memory`` the peak Python
allocation of one ``read_manifest`` (tracemalloc) next to the size of the JSON.

The parse-and-store half plugs in by adding a step to ``STORE_STEPS``: a ``(name, factory)`` pair where
``factory(args)`` returns ``(store, cleanup)``; ``store(result)`` persists one ``ManifestImport`` (e.g. an
image set and its images in a throw-away database from ``bench.common``), ``cleanup()`` runs at the end.
"""
import argparse
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import orjson  # noqa: E402

from app.services.iiif import read_manifest, synthetic_manifest  # noqa: E402

# (name, factory(args) -> (store(ManifestImport) -> None, cleanup() -> None))
STORE_STEPS = []


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--canvases", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--v2", action="store_true", help="measure a 2.1 manifest (normalised to 3.0)")
    parser.add_argument("--memory", action="store_true", help="peak allocation of one read_manifest")
    args = parser.parse_args(argv)

    doc = synthetic_manifest(args.canvases)
    if args.v2:
        doc = to_v2(doc)
    data = orjson.dumps(doc)
    print("manifest: IIIF %s, %d canvases, %.1f MB JSON, %d rounds (median)"
          % ("2.1" if args.v2 else "3.0", args.canvases, len(data) / 1e6, args.repeat))

    seconds, result = timed(lambda: read_manifest(doc), args.repeat)
    if len(result.images) != args.canvases or result.canvases != args.canvases:
        print("unexpected result: %r" % (result.counts,))
        return 1
    report("parse", seconds, args.canvases)
    seconds, _ = timed(lambda: read_manifest(orjson.loads(data)), args.repeat)
    report("decode+parse", seconds, args.canvases)

    for name, factory in STORE_STEPS:
        store, cleanup = factory(args)
        try:
            seconds, _ = timed(lambda store=store: store(read_manifest(orjson.loads(data))), args.repeat)
            report(name, seconds, args.canvases)
        finally:
            cleanup()

    if args.memory:
        tracemalloc.start()
        read_manifest(doc)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print("peak allocation of read_manifest: %.1f MB (JSON %.1f MB)" % (peak / 1e6, len(data) / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
