"""Staging parses each load once (incremental models). After windows are pulled again with
changed, moved and vanished conversations, the incrementally built marts must equal a build
from scratch (`dbt build --full-refresh`) of the same raw data."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

from pipeline.lib.dbt import DBT_EXECUTABLE, DBT_PROJECT_DIR
from pipeline.sandbox.kore import render
from pipeline.sandbox.kore_bulk import BulkDay
from tests.conftest import DAY, Warehouse

MARTS = ("fct_interaction", "fct_evaluation", "fct_kpi_score", "fct_audit", "dim_agent")
DAYS = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]


def _marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    return {m: sorted(warehouse.query(f"select * from marts.{m}"), key=repr) for m in MARTS}


def _full_refresh(warehouse: Warehouse, target: Path) -> None:
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "build",
            "--full-refresh",
            "--exclude-resource-type",
            "unit_test",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--quiet",
        ],
        env={**os.environ, "QA_WAREHOUSE_PATH": str(warehouse.path)},
        check=True,
    )


def _kore_interactions(warehouse: Warehouse) -> dict[str, str]:
    """Kore interaction id -> its start day."""
    return dict(
        warehouse.query(
            "select vendor_interaction_id, interactions.started_at::date::varchar "
            "from marts.fct_interaction as interactions where vendor = 'kore'"
        )
    )


def test_incremental_marts_equal_a_full_refresh_after_windows_change(
    kore_only: Warehouse, sandbox, tmp_path: Path
) -> None:
    warehouse = kore_only
    assert warehouse.run(DAYS[0], DAYS[-1]) == []
    before = _kore_interactions(warehouse)
    assert {day for day in before.values()} == {d.isoformat() for d in DAYS}

    # The vendor's data changes: fewer conversations every day, the last day empty, and one
    # conversation of the second day re-sent in the first day's window as well.
    sandbox.kore.per_day = 25
    sandbox.kore.bulk_days[DAYS[2]] = BulkDay(DAYS[2], 0)
    moved = render(sandbox.kore.conversations(DAYS[1], include_below_threshold=False)[0])
    moved_id = moved.get("conversationId") or moved.get("Conversation ID")
    assert moved_id in before
    sandbox.kore.extra_records[DAYS[0]] = [moved]
    failures = warehouse.run(DAYS[0], DAYS[-1])
    # A window that went empty is refused by its blocking check and keeps its last good load;
    # the marts are still rebuilt.
    assert [(f.vendor, f.day) for f in failures] == [("kore", DAYS[2].isoformat())]
    assert "window_not_emptied" in failures[0].reason

    incremental = _marts(warehouse)
    after = _kore_interactions(warehouse)
    per_day = {day: list(after.values()).count(day) for day in set(after.values())}
    assert per_day[DAYS[2].isoformat()] == list(before.values()).count(DAYS[2].isoformat())
    assert per_day[DAYS[0].isoformat()] < list(before.values()).count(DAYS[0].isoformat())
    assert moved_id in after
    # Staging kept one copy per conversation: the one landed last.
    assert (
        warehouse.scalar(
            "select count(*) from staging.stg_kore__conversations where conversation_id = ?",
            [moved_id],
        )
        == 1
    )

    _full_refresh(warehouse, tmp_path / "target")
    assert _marts(warehouse) == incremental
