"""Throughput of GET /api/collections?include=owner,subjects against a hand-written baseline.

    .venv/bin/python bench/collections_bench.py [--duration 2] [--rounds 3] [--sizes 20,100]

Seeds a temporary SQLite database with 100 public collections × 10 subjects (owners: 20 users and, for
every tenth collection, one of 3 groups), serves the application with gunicorn (one sync worker) on
127.0.0.1 and an ephemeral port, with the baseline of bench/baseline.py registered on the same app,
checks that both answer the same document, then measures requests per second of one sequential
client for ours and the baseline at each page size. Within a round the endpoints take turns of 0.1 s
(``--turn``; the order flips every turn), so both see the same machine; the table gives the median
over rounds of the rates and of each round's ratio ours / baseline. Only 127.0.0.1 is contacted; time
and request count are bounded.
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

TARGET = 0.9  # the goal: ours ≥ 0.9 × the baseline at every page size measured (20 and 100 by default)


def ours_path(size):
    return f"/api/collections?include=owner,subjects&page[size]={size}"


def baseline_path(size):
    return f"/bench/baseline/collections?page[size]={size}"


def measure(server, path, accept, seconds, max_requests):
    """(requests per second, server CPU ms per request or None) of one sequential client for
    ``seconds`` (or ``max_requests``). The CPU figure is the gunicorn worker's own time: it moves
    less than wall time when other processes share the machine."""
    done = 0
    cpu_before = server.worker_cpu()
    start = time.perf_counter()
    deadline = start + seconds
    while done < max_requests:
        status, _headers, _body = server.get(path, accept)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        done += 1
        if time.perf_counter() >= deadline:
            break
    rate = done / (time.perf_counter() - start)
    cpu_after = server.worker_cpu()
    cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) * 1000 / done
    return rate, cpu


def interleaved(server, cells, seconds, block, max_requests):
    """{cell: (requests per second, server CPU ms per request or None)} of endpoints measured in turns of
    ``block`` seconds each (ABBA: the order flips every turn) for about ``seconds`` each. Short turns put
    both endpoints on the same machine: a neighbour's burst of work on a shared host slows both alike,
    where whole seconds of one and then of the other would charge it to one side."""
    totals = {cell: [0, 0.0, 0.0] for cell in cells}  # requests, wall seconds, CPU seconds
    order = list(cells)
    deadline = time.perf_counter() + seconds * len(cells)
    while time.perf_counter() < deadline and all(t[0] < max_requests for t in totals.values()):
        for cell in order:
            _label, _size, path, accept = cell
            cpu_before = server.worker_cpu()
            start = time.perf_counter()
            end = start + block
            done = 0
            while True:
                status, _headers, _body = server.get(path, accept)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}")
                done += 1
                now = time.perf_counter()
                if now >= end:
                    break
            cpu_after = server.worker_cpu()
            entry = totals[cell]
            entry[0] += done
            entry[1] += now - start
            entry[2] = None if entry[2] is None or cpu_before is None or cpu_after is None \
                else entry[2] + cpu_after - cpu_before
        order.reverse()
    return {cell: (n / wall, None if cpu is None else cpu * 1000 / n) for cell, (n, wall, cpu) in totals.items()}


def check_equivalent(server, size):
    """Both endpoints give the same document (apart from the top-level self link); returns facts."""
    s1, h1, ours = server.get(ours_path(size))
    s2, h2, base = server.get(baseline_path(size))
    assert s1 == 200 and s2 == 200, (s1, s2)
    a, b = orjson.loads(ours), orjson.loads(base)
    a["links"].pop("self")
    b["links"].pop("self")
    if a != b:
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                print(f"  first difference under {key!r}", file=sys.stderr)
                break
        raise SystemExit(f"page size {size}: the baseline's document differs from ours; fix bench/baseline.py")
    return {"ours_bytes": len(ours), "base_bytes": len(base), "ours_queries": h1.get("X-Query-Count"),
            "base_queries": h2.get("X-Query-Count"), "primary": len(a["data"]), "included": len(a["included"])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per endpoint per round (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per endpoint (default 1)")
    parser.add_argument("--max-requests", type=int, default=5000, help="cap per endpoint per round (default 5000)")
    parser.add_argument("--turn", type=float, default=0.1,
                        help="seconds of one endpoint's turn within a round, the endpoints alternating (default 0.1)")
    parser.add_argument("--sizes", default="20,100", help="page sizes (default 20,100)")
    parser.add_argument("--collections", type=int, default=100)
    parser.add_argument("--subjects", type=int, default=10, help="subjects per collection (default 10)")
    parser.add_argument("--panoptes", action="store_true", help="also measure ours in the Panoptes dialect")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if the ratio at any size < {TARGET}")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    with TempDatabase() as tdb:
        t0 = time.perf_counter()
        app = make_app(tdb.path)
        migrate(app)
        with app.app_context():
            user_ids, group_ids = seed_people()
            seed_collections(args.collections, args.subjects, user_ids, group_ids)
        print(f"seeded {args.collections} collections x {args.subjects} subjects, {len(user_ids)} users, "
              f"{len(group_ids)} groups in {time.perf_counter() - t0:.1f}s ({tdb.path})")

        with Server(tdb.path) as server:
            print(f"gunicorn, 1 sync worker, http://127.0.0.1:{server.port}; {os.cpu_count()} CPUs; "
                  f"{args.rounds} rounds x {args.duration:g}s per endpoint")
            for size in sizes:
                facts = check_equivalent(server, size)
                print(f"page size {size}: same document ({facts['primary']} collections, {facts['included']} "
                      f"included); bytes ours {facts['ours_bytes']} / baseline {facts['base_bytes']}; "
                      f"SQL statements ours {facts['ours_queries']} / baseline {facts['base_queries']}")

            cells = []  # (label, size, path, accept)
            for size in sizes:
                cells.append(("ours", size, ours_path(size), JSONAPI))
                if args.panoptes:
                    cells.append(("ours-panoptes", size, ours_path(size).replace("page[size]", "page_size"),
                                  PANOPTES))
                cells.append(("baseline", size, baseline_path(size), JSONAPI))
            for _label, _size, path, accept in cells:
                measure(server, path, accept, args.warmup, args.max_requests)

            results = {(label, size): [] for label, size, _p, _a in cells}
            for round_no in range(args.rounds):
                for size in sizes:
                    group = [c for c in cells if c[1] == size]
                    if round_no % 2:
                        group.reverse()
                    measured = interleaved(server, group, args.duration, args.turn, args.max_requests)
                    for cell in group:
                        results[(cell[0], size)].append(measured[cell])

    def rates(key):
        return [rate for rate, _cpu in results[key]]

    def cpu_ms(key):
        values = [cpu for _rate, cpu in results[key] if cpu is not None]
        return statistics.median(values) if values else None

    width = max(len("ratio per round"), 6 * args.rounds - 2)
    print()
    header = (f"{'page size':>9} | {'ours req/s':>10} | {'baseline req/s':>14} | {'ratio':>5} | "
              f"{'ratio per round':<{width}} | server CPU ms/request ours / baseline (ratio)")
    if args.panoptes:
        header += " | panoptes req/s (ratio)"
    print(header)
    print("-" * len(header))
    ratio_at = {}
    for size in sizes:
        ours, base = rates(("ours", size)), rates(("baseline", size))
        # rounds measure both endpoints in alternating turns: each round's ratio is a like-for-like reading
        ratio = statistics.median(o / b for o, b in zip(ours, base))
        ratio_at[size] = ratio
        per_round = ", ".join(f"{o / b:.2f}" for o, b in zip(ours, base))
        c_ours, c_base = cpu_ms(("ours", size)), cpu_ms(("baseline", size))
        cpu_text = "n/a" if not (c_ours and c_base) else f"{c_ours:.1f} / {c_base:.1f} ({c_base / c_ours:.2f})"
        line = (f"{size:>9} | {statistics.median(ours):>10.1f} | {statistics.median(base):>14.1f} | "
                f"{ratio:>5.2f} | {per_round:<{width}} | {cpu_text}")
        if args.panoptes:
            pan = statistics.median(rates(("ours-panoptes", size)))
            line += f" | {pan:.1f} ({pan / statistics.median(base):.2f})"
        print(line)
    below = [size for size in sizes if ratio_at[size] < TARGET]
    figures = ", ".join(f"{ratio_at[size]:.2f} at page size {size}" for size in sizes)
    verdict = (f"below the target of {TARGET} at page size {', '.join(map(str, below))}" if below
               else f"meets the target of {TARGET} at every size")
    print(f"\nratio {figures}: {verdict}")
    if args.check and below:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
