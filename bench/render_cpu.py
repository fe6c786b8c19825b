"""CPU time of the collection list against the baseline, in one process, without the garbage collector.

    .venv/bin/python bench/render_cpu.py [--sizes 20,100] [--rounds 5] [--requests 300]
    py-spy record -o profile.svg -- .venv/bin/python bench/render_cpu.py --sizes 100 --rounds 1 --requests 1000

Seeds a temporary SQLite database like collections_bench.py (100 public collections x 10 subjects),
checks that ``/api/collections?include=owner,subjects`` and the baseline answer the same document, then
sends both through the Flask test client (no HTTP server, no client in the way), ``--requests`` each per
round in alternating turns of 0.05 s (``--turn``), with the collector off (as a frozen gunicorn worker nearly is), and prints the CPU
milliseconds per request of each (the median over rounds) and the ratio baseline / ours (≥ 1: ours is
as fast). This isolates the application's own cost from the HTTP path that collections_bench.py adds;
the two should agree. Run under py-spy (an outside sampler, ``pip install py-spy``) to see where the time
goes without the per-call overhead of an in-process profiler.
"""
import argparse
import gc
import logging
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.collections_bench import baseline_path, ours_path  # noqa: E402
from bench.common import JSONAPI, TempDatabase, make_app, migrate, seed_collections, seed_people  # noqa: E402


def cpu_ms(client, path, requests):
    start = time.process_time()
    for _ in range(requests):
        client.get(path, headers={"Accept": JSONAPI})
    return (time.process_time() - start) / requests * 1000


def interleaved(client, paths, requests, turn):
    """[CPU ms per request] of each path, ``requests`` each, sent in alternating turns of about ``turn``
    seconds (the order flipping every turn), so that a slower moment of a shared host slows both alike."""
    spent = [0.0] * len(paths)
    done = [0] * len(paths)
    order = list(range(len(paths)))
    while min(done) < requests:
        for i in order:
            start = time.process_time()
            while done[i] < requests:
                client.get(paths[i], headers={"Accept": JSONAPI})
                done[i] += 1
                if time.process_time() - start >= turn:
                    break
            spent[i] += time.process_time() - start
        order.reverse()
    return [spent[i] / done[i] * 1000 for i in range(len(paths))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,100")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="requests per endpoint per round")
    parser.add_argument("--turn", type=float, default=0.05, help="seconds of CPU of one endpoint's turn")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    logging.disable(logging.CRITICAL)  # the request log would be most of what is measured

    with TempDatabase() as tdb:
        app = make_app(tdb.path)
        migrate(app)
        with app.app_context():
            user_ids, group_ids = seed_people()
            seed_collections(100, 10, user_ids, group_ids)
        client = app.test_client()
        print(f"{args.rounds} rounds x {args.requests} requests per endpoint, in-process, collector off")
        print(f"{'page size':>9} | {'ours ms':>7} | {'baseline ms':>11} | {'ratio':>5} | ratio per round")
        for size in sizes:
            ours, base = ours_path(size), baseline_path(size)
            a = client.get(ours, headers={"Accept": JSONAPI}).get_json()
            b = client.get(base, headers={"Accept": JSONAPI}).get_json()
            a["links"].pop("self")
            b["links"].pop("self")
            if a != b:
                raise SystemExit(f"page size {size}: the baseline's document differs from ours")
            for path in (ours, base):  # warm: compiled statements, caches
                cpu_ms(client, path, 30)
            gc.collect()
            gc.disable()
            rounds = []
            try:
                for _number in range(args.rounds):
                    rounds.append(interleaved(client, [ours, base], args.requests, args.turn))
                    gc.collect()
            finally:
                gc.enable()
            o = statistics.median(r[0] for r in rounds)
            b = statistics.median(r[1] for r in rounds)
            ratio = statistics.median(r[1] / r[0] for r in rounds)
            per_round = ", ".join(f"{r[1] / r[0]:.2f}" for r in rounds)
            print(f"{size:>9} | {o:>7.2f} | {b:>11.2f} | {ratio:>5.2f} | {per_round}")


if __name__ == "__main__":
    main()
