"""Benchmark: does landing memory stay flat as a window grows?

The sandbox runs in this process; each landing runs in a child process so its peak RSS is its
own. Window sizes are measured side by side, interleaved, several rounds; we report medians and
the ratio to the smallest window. Run with `make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

DAY = date(2026, 3, 23)


def child(base_url: str, per_day: int, db: str) -> None:
    from pipeline.kore.assets import RAWDATA
    from pipeline.kore.client import KoreClient, KoreConfig
    from pipeline.lib.extract import land_window
    from pipeline.lib.landing import connect
    from pipeline.lib.windows import Window
    from pipeline.sandbox.kore import KoreSandbox

    defaults = KoreSandbox()
    client = KoreClient(
        KoreConfig(
            base_url=base_url,
            stream_id=defaults.stream_id,
            account_id=defaults.account_id,
            org_id=defaults.org_id,
            client_id=defaults.client_id,
            client_secret=defaults.client_secret,
            page_size=100,
            max_pages=100_000,
            requests_per_minute=1_000_000,
        )
    )
    window = Window.for_day(DAY)
    tracemalloc.start()
    started = time.perf_counter()
    with connect(db) as conn:
        load = land_window(
            conn,
            RAWDATA,
            window,
            f"bench-{per_day}",
            lambda on_bad: client.iter_pages(window, on_bad),
            client.http,
        )
    elapsed = time.perf_counter() - started
    _, py_peak = tracemalloc.get_traced_memory()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "records": load.records,
                "seconds": elapsed,
                "peak_rss_mb": peak_kb / 1024,
                "py_peak_mb": py_peak / 2**20,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,4000,16000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("URL", "PER_DAY", "DB"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return

    from pipeline.sandbox.server import SandboxServer

    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    with SandboxServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.kore.limit.requests = 10**9
        for round_number in range(args.rounds):
            for size in sizes:  # interleaved, so machine noise hits every size alike
                server.kore.per_day = size
                db = os.path.join(tmp, f"bench-{size}-{round_number}.duckdb")
                out = subprocess.run(
                    [sys.executable, __file__, "--child", server.kore_url, str(size), db],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                results[size].append(json.loads(out.strip().splitlines()[-1]))
                Path(db).unlink()

    base = sizes[0]
    base_rss = statistics.median(r["peak_rss_mb"] for r in results[base])
    base_secs = statistics.median(r["seconds"] for r in results[base])
    print(f"Kore landing, {args.rounds} rounds, medians (ratios against {base} conversations)")
    base_py = statistics.median(r["py_peak_mb"] for r in results[base])
    print("Peak RSS includes DuckDB's buffer cache; the Python heap is what the pipeline holds.")
    print(
        f"{'window':>10} {'records':>8} {'Python heap MB':>15} {'ratio':>6} "
        f"{'peak RSS MB':>12} {'ratio':>6} {'seconds':>8} {'ratio':>6}"
    )
    for size in sizes:
        rss = statistics.median(r["peak_rss_mb"] for r in results[size])
        secs = statistics.median(r["seconds"] for r in results[size])
        records = int(statistics.median(r["records"] for r in results[size]))
        py = statistics.median(r["py_peak_mb"] for r in results[size])
        print(
            f"{size:>10} {records:>8} {py:>15.1f} {py / base_py:>6.2f} "
            f"{rss:>12.1f} {rss / base_rss:>6.2f} "
            f"{secs:>8.2f} {secs / base_secs:>6.2f}"
        )


if __name__ == "__main__":
    main()
