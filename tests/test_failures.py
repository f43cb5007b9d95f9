"""A day's failure is that day's alone, and nothing fetched is thrown away for a lock."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest

from pipeline.build import build_defs
from pipeline.runner import failure_reason
from tests.conftest import DAY, Warehouse, only_vendor

NEXT_DAY = DAY + timedelta(days=1)


@pytest.fixture
def kore(monkeypatch, warehouse: Warehouse) -> Warehouse:
    monkeypatch.setenv("KORE_MAX_ATTEMPTS", "2")
    return only_vendor("KORE_", monkeypatch, warehouse)


def _landed_days(warehouse: Warehouse) -> list[str]:
    return [
        day
        for (day,) in warehouse.query(
            "select distinct window_start::date::varchar from raw.load_log "
            "where vendor = 'kore' and status = 'success' order by 1"
        )
    ]


def test_a_day_that_keeps_failing_does_not_stop_the_next(kore, sandbox) -> None:
    # Both attempts at the first day's first page answer a body that says it is gzip and is
    # not (httpx's DecodingError); the second day is fine.
    sandbox.kore.faults.script("bad_gzip", "bad_gzip")
    job = build_defs().resolve_job_def("kore_raw")
    result = job.execute_in_process(
        instance=kore.instance,
        raise_on_error=False,
        tags={
            "dagster/asset_partition_range_start": DAY.isoformat(),
            "dagster/asset_partition_range_end": NEXT_DAY.isoformat(),
        },
    )
    assert not result.success
    reason = failure_reason(result)
    assert f"kore rawdata {DAY.isoformat()}" in reason and "DecodingError" in reason
    assert NEXT_DAY.isoformat() not in reason
    assert _landed_days(kore) == [NEXT_DAY.isoformat()]


HOLDER = """
import sys, time
import duckdb
conn = duckdb.connect(sys.argv[1])
conn.execute("create table if not exists held_by_hand as select 1 as x")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
conn.close()
"""


def test_a_process_holding_duckdbs_lock_makes_the_commit_wait(kore, sandbox) -> None:
    """Someone opened the warehouse by hand (behind the pipeline's file lock): the window's
    commit waits for it instead of failing and throwing away what it fetched."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(kore.path), "4"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        job = build_defs().resolve_job_def("kore_raw")
        result = job.execute_in_process(
            partition_key=DAY.isoformat(), instance=kore.instance, raise_on_error=False
        )
        assert result.success, failure_reason(result)
        assert time.monotonic() - started >= 3
    finally:
        holder.wait(timeout=30)
    assert _landed_days(kore) == [DAY.isoformat()]
