"""`make bench`, vendor time: how long a window takes against a vendor with real latency, and
what hung requests cost, with requests in flight together (`<PREFIX>CONCURRENCY`) and one at a
time, in interleaved rounds.

The window is an EvaluAgent day (a listing, then one detail GET per evaluation): the shape
where a vendor's latency adds up. The sandbox answers every request after `--latency`
seconds. For each concurrency:

- clean: no fault; its bound is the larger of requests / budget and requests x latency /
  concurrency, and the target is a wall time within 1.3x of it;
- faulty: `--fault-rate` of the requests fail (429s, 5xx, truncated bodies and hangs that the
  client's timeout cuts), the target a wall time within 2x of the clean run's.

Each landing runs through Dagster as a scheduled run does (`run_pipeline`, no dbt build), on
a fresh warehouse; a window's time is the load log's (its listing and its details, from the
first request to the commit), without Dagster's start-up. Medians are printed and written to
bench/results/vendor-time-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DAY = date(2026, 3, 23)
TARGETS = {"window_vs_bound_max": 1.3, "faulty_vs_clean_max": 2.0}
# Hangs the client cuts: the sandbox holds a `timeout` fault this long, the client waits this.
HANG_SECONDS = 5.0
CLIENT_TIMEOUT_SECONDS = 1.0


def _land(server: Any, work: Path, name: str, concurrency: int) -> dict[str, float]:
    from dagster import DagsterInstance

    from pipeline.runner import run_pipeline

    home = work / name
    home.mkdir()
    env = {
        **server.env(unlimited=True),
        "EVALUAGENT_CONCURRENCY": str(concurrency),
        "EVALUAGENT_TIMEOUT_SECONDS": str(CLIENT_TIMEOUT_SECONDS),
        "EVALUAGENT_BACKOFF_INITIAL_SECONDS": "0.2",
        "EVALUAGENT_MAX_ATTEMPTS": "8",
        "QA_WAREHOUSE_PATH": str(home / "warehouse.duckdb"),
        "QA_ANALYTICS_PATH": str(home / "analytics.duckdb"),
    }
    saved = dict(os.environ)
    for key in [k for k in os.environ if k.startswith(("KORE_", "CQA_", "VOXXI_", "EXOTEL_"))]:
        del os.environ[key]
    os.environ.update(env)
    before = dict(server.evaluagent.requests)
    try:
        with DagsterInstance.ephemeral() as instance:
            started = time.perf_counter()
            failures = run_pipeline(DAY, DAY, ["evaluagent"], instance=instance, build=False)
            seconds = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if failures:
        raise RuntimeError(f"{name}: {failures}")
    # The window's own time, as the load log has it: the listing and the details, without
    # Dagster's start-up or the once-a-run users and groups.
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        window, requests = conn.execute(
            """
            select sum(epoch(finished_at) - epoch(started_at)), sum(requests)
            from raw.load_log
            where vendor = 'evaluagent' and endpoint in ('evaluations', 'evaluation_details')
              and status = 'success'
            """
        ).fetchone()
    served = sum(server.evaluagent.requests.values()) - sum(before.values())
    return {"seconds": window, "run_seconds": seconds, "requests": requests, "served": served}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evaluations", type=int, default=300, help="details in the window")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()

    from qa_sandbox.faults import FAULT_KINDS
    from qa_sandbox.server import SandboxServer

    from pipeline.lib.dbt import ensure_manifest
    from pipeline.lib.vendor import dbt_vars
    from pipeline.vendors import VENDORS

    ensure_manifest(dbt_vars(VENDORS))
    levels = [int(c) for c in args.concurrency.split(",")]
    runs: dict[str, list[dict[str, float]]] = {}
    with SandboxServer() as server, tempfile.TemporaryDirectory(prefix="qa-vendor-") as tmp:
        server.remove_rate_limits()
        server.evaluagent.per_day = args.evaluations
        work = Path(tmp)
        for round_number in range(args.rounds):
            # Interleaved: the machine's noise hits every configuration alike.
            for concurrency in levels:
                for faulty in (False, True):
                    name = f"c{concurrency}-{'faulty' if faulty else 'clean'}"
                    server.reset()
                    server.remove_rate_limits()
                    server.evaluagent.per_day = args.evaluations
                    server.evaluagent.faults.latency_seconds = args.latency
                    server.evaluagent.faults.timeout_seconds = HANG_SECONDS
                    if faulty:
                        server.evaluagent.faults.set_rate(
                            args.fault_rate, seed=round_number, kinds=FAULT_KINDS
                        )
                    row = _land(server, work, f"{name}-{round_number}", concurrency)
                    row["hangs"] = server.evaluagent.faults.injected.get("timeout", 0)
                    runs.setdefault(name, []).append(row)
            print(f"round {round_number + 1} of {args.rounds} done", file=sys.stderr)
    report = _report(runs, levels, args)
    _print(report)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = report["when"].replace(":", "").replace("+0000", "Z")
    text = json.dumps(report, indent=2, sort_keys=True)
    (args.results / f"vendor-time-{stamp}.json").write_text(text)
    (args.results / "vendor-time-latest.json").write_text(text)


def _report(runs: dict[str, list[dict[str, float]]], levels: list[int], args: Any) -> dict:
    rows: dict[str, Any] = {}
    for concurrency in levels:
        clean = runs[f"c{concurrency}-clean"]
        faulty = runs[f"c{concurrency}-faulty"]
        requests = statistics.median(r["requests"] for r in clean)
        # The pipeline's own budget is lifted here: latency alone bounds the window.
        bound = requests * args.latency / concurrency
        clean_s = statistics.median(r["seconds"] for r in clean)
        faulty_s = statistics.median(r["seconds"] for r in faulty)
        rows[str(concurrency)] = {
            "requests": requests,
            "bound_seconds": bound,
            "clean_seconds": clean_s,
            "faulty_seconds": faulty_s,
            "window_vs_bound": clean_s / bound,
            "faulty_vs_clean": faulty_s / clean_s,
            "hangs": statistics.median(r["hangs"] for r in faulty),
            "raw": {"clean": clean, "faulty": faulty},
        }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "evaluations": args.evaluations,
        "latency_seconds": args.latency,
        "fault_rate": args.fault_rate,
        "rounds": args.rounds,
        "targets": TARGETS,
        "concurrency": rows,
    }


def _print(report: dict[str, Any]) -> None:
    print(
        f"\nVendor time: an EvaluAgent day of {report['evaluations']} evaluations, "
        f"{report['latency_seconds']} s per answer, {report['fault_rate']:.0%} faults "
        f"(hangs cut at {CLIENT_TIMEOUT_SECONDS} s); medians of {report['rounds']} rounds"
    )
    print(
        f"{'in flight':>9} {'requests':>9} {'bound s':>8} {'clean s':>8} {'x bound':>8} "
        f"{'faulty s':>9} {'x clean':>8}"
    )
    for concurrency, row in report["concurrency"].items():
        print(
            f"{concurrency:>9} {row['requests']:>9.0f} {row['bound_seconds']:>8.1f} "
            f"{row['clean_seconds']:>8.1f} {row['window_vs_bound']:>8.2f} "
            f"{row['faulty_seconds']:>9.1f} {row['faulty_vs_clean']:>8.2f}"
        )
    print(
        f"targets: window within {TARGETS['window_vs_bound_max']}x its bound, "
        f"faulty within {TARGETS['faulty_vs_clean_max']}x clean"
    )


if __name__ == "__main__":
    main()
