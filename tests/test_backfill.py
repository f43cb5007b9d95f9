"""A two-week backfill of three vendors on real services, launched the way the Dagster UI
launches it: a PostgreSQL cluster of the test's own holds the production instance
(`deploy/dagster_home/dagster.yaml`) and the vendors' shared request budgets; the webserver and
`dagster-daemon` run as separate processes; a `launchPartitionBackfill` mutation starts it,
and the daemon's backfill loop and run queue carry it out. Runs overlap; none may fail on
DuckDB's file lock; the sandbox, which enforces each vendor's rate limit, must never have to
refuse a request; and the marts equal those of `qa-warehouse run` over the same days.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.instance.ref import InstanceRef
from qa_sandbox.faults import SlidingWindowLimit
from qa_sandbox.server import SandboxServer

from tests import dagster_services
from tests.conftest import empty_folder
from tests.postgres_server import postgres_cluster

pytestmark = pytest.mark.production
PRODUCTION_HOME = Path(__file__).resolve().parents[1] / "deploy" / "dagster_home"
THREE_VENDORS = ("KORE_", "EVALUAGENT_", "CQA_")
# Columns that differ between two loads of the same data by nature: run ids, and the times
# dbt's snapshots and the extraction stamped.
RUN_SPECIFIC = {"loaded_run_id", "valid_from", "valid_to", "reported_at"}

FIRST_DAY = date(2026, 2, 20)
# Two runs a vendor (a week of days per run), as in any longer backfill; each day holds
# enough data that every vendor's request budget binds.
DAYS = [(FIRST_DAY + timedelta(days=n)).isoformat() for n in range(14)]
PARTITIONED_ENDPOINTS = {
    ("kore", "rawdata"),
    ("evaluagent", "evaluations"),
    ("evaluagent", "evaluation_details"),
    ("cqa", "analyses"),
    ("cqa", "analysis_details"),
    ("cqa", "interactions"),
}

LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""
ASSETS = "query { assetNodes { assetKey { path } isMaterializable } }"
STATUS = """
query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status }
    ... on Error { message }
  }
}
"""
DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


def _rate_limited_sandbox(sandbox: SandboxServer) -> dict[str, str]:
    """The vendors' documented limits (tighter for Kore, so that its budget binds within a
    test), data enough that EvaluAgent's and CQA's budgets bind too, and the clients' budgets
    set to the same limits."""
    sandbox.kore.per_day = 80
    sandbox.kore.limit = SlidingWindowLimit(30, 60.0)
    sandbox.evaluagent.per_day = 10
    sandbox.evaluagent.limit_per_minute = 100
    sandbox.cqa.per_day = 6
    sandbox.cqa.get_limit = SlidingWindowLimit(100)
    return {
        "KORE_PAGE_SIZE": "20",
        "KORE_REQUESTS_PER_MINUTE": "30",
        "EVALUAGENT_REQUESTS_PER_MINUTE": "100",
        "CQA_GET_REQUESTS_PER_MINUTE": "100",
    }


def _refused(sandbox: SandboxServer) -> dict[str, int]:
    return {
        "kore": sandbox.kore.limit.refused,
        "evaluagent": sandbox.evaluagent.refused,
        "cqa": sandbox.cqa.get_limit.refused + sandbox.cqa.post_limit.refused,
    }


def _log_text(instance: DagsterInstance, run_id: str) -> str:
    """Everything a run logged, step failures with their errors in full."""
    lines = []
    for event in instance.all_logs(run_id):
        lines.append(str(event.message or ""))
        if event.dagster_event is not None and event.dagster_event.is_step_failure:
            error = event.dagster_event.step_failure_data.error
            lines.append(error.to_string() if error else "")
    return "\n".join(lines)


def _compute_log_errors(home: Path, run_id: str) -> str:
    """The error lines of a run's captured stdout and stderr, where dbt's own messages go."""
    lines = []
    for path in sorted((home / "storage" / run_id / "compute_logs").glob("*.*")):
        for line in path.read_text(errors="replace").splitlines():
            if "error" in line.lower() or "fail" in line.lower():
                lines.append(line[:2000])
    return "\n".join(lines[-40:])


def _marts(path: Path) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted, without the columns that differ run to run."""
    marts: dict[str, list[tuple]] = {}
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = conn.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
        for (table,) in tables:
            columns = [
                c
                for (c,) in conn.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' "
                    "and table_name = ? order by column_index",
                    [table],
                ).fetchall()
                if c not in RUN_SPECIFIC
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = conn.execute(f"select {select} from marts.{table}").fetchall()
            marts[table] = sorted(rows, key=repr)
    return marts


def _command_line_marts(sandbox: SandboxServer, home: Path) -> dict[str, list[tuple]]:
    """The same days by `qa-warehouse run`'s own path, without rate limits (only the data
    matters here), into a new warehouse in `home` (emptied first)."""
    from pipeline.runner import run_pipeline

    empty_folder(home)
    sandbox.remove_rate_limits()
    saved = dict(os.environ)
    try:
        os.environ.update(
            {k: v for k, v in sandbox.env(unlimited=True).items() if k.startswith(THREE_VENDORS)}
        )
        os.environ.update(
            QA_WAREHOUSE_PATH=str(home / "warehouse.duckdb"),
            QA_ANALYTICS_PATH=str(home / "analytics.duckdb"),
            QA_PARTITIONS_START="2026-01-01",
            CQA_INBOX_PATH=str(home / "inbox"),
        )
        for name in [n for n in os.environ if n.startswith(("VOXXI_", "EXOTEL_"))]:
            del os.environ[name]
        os.environ.pop("DAGSTER_POSTGRES_URL", None)
        with DagsterInstance.ephemeral() as instance:
            failures = run_pipeline(
                date.fromisoformat(DAYS[0]), date.fromisoformat(DAYS[-1]), instance=instance
            )
        assert failures == []
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return _marts(home / "warehouse.duckdb")


@pytest.fixture
def production_instance(tmp_path: Path):
    """DAGSTER_HOME with the production dagster.yaml, on a PostgreSQL cluster of its own."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PRODUCTION_HOME / "dagster.yaml", home / "dagster.yaml")
    with postgres_cluster() as url:
        yield home, url.replace("postgresql://", "postgresql+psycopg2://", 1)


def test_a_two_week_backfill_of_three_vendors_from_the_ui(
    sandbox: SandboxServer,
    tmp_path: Path,
    warehouse_home: Path,
    production_instance,
    record_property,
) -> None:
    home, postgres_url = production_instance
    # In the worker's warehouse folder, which dbt's parse is for: the services start with a
    # copy of it (tests/dagster_services.py) instead of parsing the project again.
    empty_folder(warehouse_home)
    warehouse = warehouse_home / "warehouse.duckdb"
    env = {
        **{k: v for k, v in sandbox.env().items() if k.startswith(THREE_VENDORS)},
        **_rate_limited_sandbox(sandbox),
        # The instance, and with it the vendors' shared request budgets, on PostgreSQL.
        "DAGSTER_POSTGRES_URL": postgres_url,
        "QA_WAREHOUSE_PATH": str(warehouse),
        "QA_ANALYTICS_PATH": str(warehouse_home / "analytics.duckdb"),
        "QA_PARTITIONS_START": "2026-01-01",
        "CQA_INBOX_PATH": str(tmp_path / "inbox"),
    }
    with dagster_services.webserver(home, env) as url, dagster_services.daemon(home, env):
        # What the UI's "Materialize all" selects: every asset that can be materialized (the
        # load log and quarantine are dbt sources, not assets this project materializes).
        nodes = dagster_services.graphql(url, ASSETS)["assetNodes"]
        assets = [node["assetKey"] for node in nodes if node["isMaterializable"]]
        launched = dagster_services.graphql(
            url,
            LAUNCH,
            {
                "params": {
                    "assetSelection": assets,
                    "partitionNames": DAYS,
                    "fromFailure": False,
                    "tags": [],
                }
            },
        )["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]

        deadline = time.monotonic() + 1500
        while True:
            status = dagster_services.graphql(url, STATUS, {"id": backfill_id})
            status = status["partitionBackfillOrError"]
            if status.get("status") in DONE:
                break
            assert time.monotonic() < deadline, f"backfill still {status} after 25 minutes"
            time.sleep(5)

    os.environ["DAGSTER_POSTGRES_URL"] = postgres_url
    try:
        instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    finally:
        del os.environ["DAGSTER_POSTGRES_URL"]
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
    logs = {run.run_id: _log_text(instance, run.run_id) for run in runs}
    failed = {
        run.run_id: logs[run.run_id][-3000:] + "\n" + _compute_log_errors(home, run.run_id)
        for run in runs
        if run.status != DagsterRunStatus.SUCCESS
    }
    # The failing runs' logs in full: pytest would shorten a dict in the assertion message.
    report = "\n\n".join(f"run {run_id}:\n{text}" for run_id, text in failed.items())
    assert status["status"] in {"COMPLETED", "COMPLETED_SUCCESS"}, report
    assert not failed, report
    lock_errors = [run_id for run_id, text in logs.items() if "Could not set lock" in text]
    assert not lock_errors, "a run hit DuckDB's file lock"
    refused = _refused(sandbox)
    record_property("sandbox_429s", refused)
    print(f"429s the sandbox had to send, per vendor: {refused}")
    assert refused == {"kore": 0, "evaluagent": 0, "cqa": 0}

    # Several partitions per run (the multi-run backfill policy), the vendors' runs side by
    # side, and each dbt model built once for the whole backfill, after its own partitions
    # (the models may be built in more than one run: tests/test_dbt_subsets.py).
    stats = {run.run_id: instance.get_run_stats(run.run_id) for run in runs}
    assert len(runs) < len(DAYS)
    overlapping = [
        (a, b)
        for a, b in combinations(runs, 2)
        if stats[a.run_id].start_time < stats[b.run_id].end_time
        and stats[b.run_id].start_time < stats[a.run_id].end_time
    ]
    assert overlapping, "the backfill's runs never ran side by side"
    dbt_runs = [
        run
        for run in runs
        if any(key.path[:2] == ["marts", "fct_evaluation"] for key in run.asset_selection or [])
    ]
    assert len(dbt_runs) == 1
    builds: dict[tuple[str, ...], int] = {}
    for run in runs:
        for key in run.asset_selection or []:
            if key.path[0] != "raw":
                builds[tuple(key.path)] = builds.get(tuple(key.path), 0) + 1
    assert ("marts", "fct_kpi_score") in builds
    assert {key: n for key, n in builds.items() if n != 1} == {}

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        landed = conn.execute(
            "select vendor, endpoint, count(distinct window_start), count(*) filter "
            "(where status <> 'success') from raw.load_log group by all"
        ).fetchall()
        windows = {(v, e): (n, bad) for v, e, n, bad in landed}
        for endpoint in PARTITIONED_ENDPOINTS:
            assert windows[endpoint] == (len(DAYS), 0), endpoint
        per_vendor = dict(
            conn.execute(
                "select vendor, count(distinct started_at::date) from marts.fct_interaction "
                "group by all"
            ).fetchall()
        )
    assert per_vendor["kore"] == len(DAYS)

    # What the backfill built is what the command line builds from the same days.
    backfilled = _marts(warehouse)
    assert backfilled["fct_kpi_score"]
    assert _command_line_marts(sandbox, warehouse_home) == backfilled
