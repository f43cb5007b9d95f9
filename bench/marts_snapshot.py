"""The marts of a fixed five-vendor sandbox run, as sorted CSV files: run it on two commits
and `diff -r` the folders to show that a change leaves the marts row for row the same.

    python bench/marts_snapshot.py OUT [--rerun]

The run loads 2026-03-20 to 2026-03-23 into a fresh warehouse: the three vendors pulled by
day, and the calls of the sandbox's demo inboxes submitted to Voxxi and ExoVoiceAnalyze (a
webhook receiver of its own takes Exotel's results), waiting for every result. With
`--rerun`, the vendors then change (a CQA QA review, a re-published EvaluAgent evaluation,
fewer Kore conversations) and 2026-03-21 to 2026-03-24 are pulled again in two runs, so the
incremental marts take their incremental path. Left out: `loaded_run_id` (run ids differ by
nature) and the times this run did something (`WALL_CLOCK`), which no two runs share.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from dagster import DagsterInstance
from qa_sandbox.server import SandboxServer

# Columns that say when this run (not the vendor) did something: a run's id, the receiver's
# clock, and when a snapshot saw a version.
WALL_CLOCK = {"loaded_run_id", "reported_at", "valid_from", "valid_to"}
DAYS = [date(2026, 3, 20) + timedelta(days=n) for n in range(4)]


def run(work: Path, rerun: bool) -> list:
    from pipeline.lib.receive.app import ReceiverServer
    from pipeline.receiver import build_receiver
    from pipeline.runner import run_pipeline

    with SandboxServer() as server:
        server.remove_rate_limits()
        os.environ.update(server.env(unlimited=True))
        server.clock.set(datetime(2026, 3, 25, 12, 0, 0))
        os.environ.update(
            {
                "QA_WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
                "QA_ANALYTICS_PATH": str(work / "analytics.duckdb"),
                "QA_PARTITIONS_START": "2026-01-01",
                "KORE_PAGE_SIZE": "7",
            }
        )
        os.environ.update(server.demo_inboxes(work / "inbox", DAYS))
        app, journal, limits = build_receiver()
        with journal, ReceiverServer(app, limits=limits) as receiver:
            os.environ.update(server.callback_env(receiver.url))
            with DagsterInstance.ephemeral() as instance:
                failures = run_pipeline(DAYS[0], DAYS[-1], instance=instance, settle_seconds=120)
                if rerun:
                    day = date(2026, 3, 22)
                    server.cqa.add_qa_review(server.cqa.analyses_of(day)[0].analysis_id)
                    republished = server.evaluagent.evaluation_ids(date(2026, 3, 21))[0]
                    server.evaluagent.republish(republished)
                    server.kore.per_day = 35
                    failures += run_pipeline(date(2026, 3, 21), day, instance=instance)
                    failures += run_pipeline(
                        date(2026, 3, 23), date(2026, 3, 24), instance=instance
                    )
    return failures


def dump(warehouse: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = conn.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            columns = conn.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'marts' and table_name = ? order by column_index",
                [table],
            ).fetchall()
            kept = ", ".join(f'"{name}"' for (name,) in columns if name not in WALL_CLOCK)
            conn.execute(
                f"copy (select {kept} from marts.{table} order by all) "
                f"to '{out / (table + '.csv')}' (header)"
            )
            (rows,) = conn.execute(f"select count(*) from marts.{table}").fetchone()
            print(f"{table:<24}{rows:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for one CSV file per mart")
    parser.add_argument("--rerun", action="store_true", help="pull days again after changes")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="marts-snapshot-"))
    failures = run(work, args.rerun)
    if failures:
        raise SystemExit(f"the run failed: {failures}")
    dump(work / "warehouse.duckdb", args.out)


if __name__ == "__main__":
    main()
