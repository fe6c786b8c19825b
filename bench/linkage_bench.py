"""To-many linkage stays bounded: one collection with 100,000 subjects.

    .venv/bin/python bench/linkage_bench.py [--subjects 100000] [--repeat 5]

Seeds a temporary SQLite database with Core executemany (not the API): one public collection holding
``--subjects`` subjects and 20 ordinary collections of 10, serves the application with gunicorn (one
sync worker) on 127.0.0.1 and an ephemeral port, and shows, for each request, the status, response
size, median time over ``--repeat`` requests and the statements it ran (X-Query-Count):

* ``GET /api/collections/{id}`` in both dialects stays small: the JSON:API document gives
  ``meta.count`` and the links but no ``data`` for ``subjects``; the Panoptes document gives
  ``{"href": "/subjects?collection_id=…", "type", "count"}`` instead of 100,000 ids;
* the list ``GET /api/collections?page[size]=100`` that contains it stays small too;
* ``GET /api/collections/{id}/relationships/subjects?page[size]=100`` pages the linkage (first and
  last page), with ``GET /api/subjects?collection_id={id}&page_size=100`` as the Panoptes form;
* ``include=subjects`` on it is refused with a 400 (INCLUDE_MAX_RESOURCES), quickly, in both dialects.

Each expectation is checked; the script exits 1 if one fails.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import orjson  # noqa: E402

from bench.common import (JSONAPI, PANOPTES, Server, TempDatabase, make_app, migrate,  # noqa: E402
                          seed_collections, seed_people)


def timed(server, path, accept, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        status, headers, body = server.get(path, accept)
        times.append((time.perf_counter() - start) * 1000)
    return status, headers, body, statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000, help="subjects in the big collection")
    parser.add_argument("--repeat", type=int, default=5, help="requests per row; the median time is shown")
    args = parser.parse_args(argv)
    n = args.subjects
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    with TempDatabase() as tdb:
        t0 = time.perf_counter()
        app = make_app(tdb.path, with_baseline=False)
        migrate(app)
        with app.app_context():
            user_ids, group_ids = seed_people()
            big = seed_collections(1, n, user_ids, group_ids)[0]
            seed_collections(20, 10, user_ids, group_ids)
        print(f"seeded collection {big} with {n} subjects (+20 collections x 10) in "
              f"{time.perf_counter() - t0:.1f}s")
        limit, cap = app.config["LINKAGE_MAX"], app.config["INCLUDE_MAX_RESOURCES"]
        print(f"LINKAGE_MAX={limit}, INCLUDE_MAX_RESOURCES={cap}, PAGE_SIZE_MAX={app.config['PAGE_SIZE_MAX']}")

        rows = []
        with Server(tdb.path) as server:
            print(f"gunicorn, 1 sync worker, http://127.0.0.1:{server.port}; median of {args.repeat} requests\n")

            def run(label, path, accept=JSONAPI):
                status, headers, body, ms = timed(server, path, accept, args.repeat)
                doc = orjson.loads(body) if body else None
                rows.append((label, path, status, len(body), ms, headers.get("X-Query-Count", "?")))
                return status, doc

            status, doc = run("show, JSON:API", f"/api/collections/{big}")
            rel = doc["data"]["relationships"]["subjects"] if status == 200 else {}
            expect(status == 200, "show (JSON:API) is not 200")
            expect("data" not in rel and rel.get("meta", {}).get("count") == n,
                   "JSON:API show: subjects should carry meta.count and no data")
            expect(rel.get("links", {}).get("self", "").endswith(f"/collections/{big}/links/subjects"),
                   "JSON:API show: subjects.links.self should point at the relationship endpoint")

            status, doc = run("show, Panoptes", f"/api/collections/{big}", PANOPTES)
            link = doc["collections"][0]["links"]["subjects"] if status == 200 else None
            expect(status == 200, "show (Panoptes) is not 200")
            expect(link == {"href": f"/subjects?collection_id={big}", "type": "subjects", "count": n},
                   f"Panoptes show: links.subjects should be the paged href, got {str(link)[:100]}")

            status, doc = run("list of 21, JSON:API", "/api/collections?page[size]=100")
            expect(status == 200 and len(doc["data"]) == 21, "list: expected 21 collections")
            if status == 200:
                first = doc["data"][0]["relationships"]["subjects"]
                expect("data" not in first and first["meta"]["count"] == n, "list: big collection's linkage not cut")
                expect(len(doc["data"][1]["relationships"]["subjects"]["data"]) == 10,
                       "list: small collections should list their 10 subjects")

            status, doc = run("list of 21, Panoptes", "/api/collections?page_size=100", PANOPTES)
            expect(status == 200 and doc["collections"][0]["links"]["subjects"]["count"] == n,
                   "Panoptes list: big collection's linkage not cut")

            status, doc = run("relationship, page 1", f"/api/collections/{big}/relationships/subjects?page[size]=100")
            expect(status == 200 and len(doc["data"]) == 100, "relationship endpoint: expected 100 ids on page 1")
            if status == 200:
                expect(doc["meta"]["subjects"]["count"] == n, "relationship endpoint: meta count")
                expect("next" in doc["links"], "relationship endpoint: next link")
            last = -(-n // 100)
            status, doc = run(f"relationship, page {last}",
                              f"/api/collections/{big}/relationships/subjects?page[size]=100&page[number]={last}")
            expect(status == 200 and len(doc["data"]) == n - (last - 1) * 100,
                   "relationship endpoint: last page size")

            status, doc = run("subjects?collection_id, Panoptes",
                              f"/api/subjects?collection_id={big}&page_size=100", PANOPTES)
            expect(status == 200 and len(doc["subjects"]) == 100 and doc["meta"]["subjects"]["count"] == n,
                   "Panoptes subjects list of the collection: expected 100 of n")

            status, doc = run("show include=subjects, JSON:API", f"/api/collections/{big}?include=subjects")
            expect(status == 400, f"include=subjects (JSON:API) should be 400, got {status}")
            status, doc = run("show include=subjects, Panoptes", f"/api/collections/{big}?include=subjects",
                              PANOPTES)
            expect(status == 400, f"include=subjects (Panoptes) should be 400, got {status}")
            if status == 400:
                print("the 400 says:", doc["errors"][0].get("message", doc["errors"][0].get("detail")), "\n")

    width = max(len(r[0]) for r in rows)
    print(f"{'request':<{width}} | status | {'bytes':>8} | {'ms':>7} | statements | path")
    print("-" * (width + 60))
    for label, path, status, size, ms, queries in rows:
        print(f"{label:<{width}} | {status:>6} | {size:>8} | {ms:>7.1f} | {queries:>10} | {path}")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    print("\nall checks passed: linkage is bounded, the relationship endpoint pages it, the include is refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
