"""A 30-day backfill of three vendors, launched the way the Dagster UI launches it: a
`launchPartitionBackfill` mutation against the webserver, then the daemon's backfill loop and
run queue under the project's dagster.yaml. Runs overlap; none may fail on DuckDB's file lock,
and the sandbox, which enforces each vendor's rate limit, must never have to refuse a request.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

import duckdb
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.instance.ref import InstanceRef
from qa_sandbox.faults import SlidingWindowLimit
from qa_sandbox.server import SandboxServer

from tests import dagster_services

FIRST_DAY = date(2026, 2, 20)
DAYS = [(FIRST_DAY + timedelta(days=n)).isoformat() for n in range(30)]
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
    sandbox.kore.per_day = 40
    sandbox.kore.limit = SlidingWindowLimit(30, 60.0)
    sandbox.evaluagent.per_day = 5
    sandbox.evaluagent.limit_per_minute = 100
    sandbox.cqa.per_day = 2
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


def test_a_30_day_backfill_of_three_vendors_from_the_ui(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    home = dagster_services.instance_home(tmp_path / "dagster_home")
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        **sandbox.env(),
        **_rate_limited_sandbox(sandbox),
        "QA_WAREHOUSE_PATH": str(warehouse),
        "QA_ANALYTICS_PATH": str(tmp_path / "analytics.duckdb"),
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

    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
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
    assert _refused(sandbox) == {"kore": 0, "evaluagent": 0, "cqa": 0}

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
            assert windows[endpoint] == (30, 0), endpoint
        per_vendor = dict(
            conn.execute(
                "select vendor, count(distinct started_at::date) from marts.fct_interaction "
                "group by all"
            ).fetchall()
        )
    assert per_vendor["kore"] == 30
