"""`qa-warehouse status` reads the warehouse and tells, per vendor, where things stand."""

from __future__ import annotations

from datetime import datetime

from pipeline.status import next_daily_run, vendor_status
from tests.conftest import DAY


def test_next_daily_run() -> None:
    now = datetime(2026, 3, 25, 1, 30)
    assert next_daily_run("20 1 * * *", now) == datetime(2026, 3, 26, 1, 20)
    assert next_daily_run("40 1 * * *", now) == datetime(2026, 3, 25, 1, 40)


def test_status_after_a_run(warehouse, sandbox) -> None:
    assert warehouse.land(DAY) == []
    sandbox.kore.faults.script("truncated")
    assert warehouse.land(DAY, vendors=["kore"]) == []
    text = vendor_status(
        warehouse.path,
        {"kore": "0 1 * * *", "evaluagent": "20 1 * * *", "cqa": "40 1 * * *"},
        ["kore", "evaluagent", "cqa"],
        ["kore", "evaluagent", "cqa"],
        now=datetime(2026, 3, 25, 1, 30),
    )
    lines = {line.split()[0]: line.split() for line in text.splitlines()[1:4]}
    assert lines["kore"][1:3] == ["yes", "2026-03-23"]
    kore_rows = len(sandbox.kore.conversations(DAY, include_below_threshold=False))
    assert int(lines["kore"][3]) == kore_rows
    assert int(lines["kore"][4]) == 1, "the truncated page is counted as quarantined"
    assert lines["kore"][-2:] == ["03-26", "01:00"]
    assert lines["cqa"][-2:] == ["03-25", "01:40"]
    assert int(lines["evaluagent"][3]) == 2 * sandbox.evaluagent.per_day  # list + details


def test_status_without_a_warehouse(tmp_path) -> None:
    assert "no warehouse yet" in vendor_status(tmp_path / "none.duckdb", {}, [], [])


def test_status_waits_its_turn_instead_of_opening_behind_a_writer(tmp_path, monkeypatch) -> None:
    """A reader that opened the file behind the lock's back would make a writer fail at once
    on DuckDB's own lock; `status` asks the lock first and says a run is writing."""
    import subprocess
    import sys

    import duckdb

    from pipeline import status

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    monkeypatch.setattr(status, "READ_WAIT_SECONDS", 0.2)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pipeline.lib.warehouse import exclusive\n"
            "with exclusive(sys.argv[1], 5):\n"
            "    print('writing', flush=True)\n"
            "    time.sleep(3)\n",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "writing"
    text = vendor_status(path, {}, ["kore"], [])
    writer.wait(timeout=30)
    assert "is being written by a run right now" in text
    assert "kore" in vendor_status(path, {}, ["kore"], [])
