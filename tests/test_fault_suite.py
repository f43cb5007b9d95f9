"""Faults at 5% and 20% of requests, every kind the vendors produce: every record of a
multi-day window lands exactly once and the marts equal a fault-free run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from qa_sandbox.faults import FAULT_KINDS

from pipeline.summary import MARTS
from tests.conftest import DAY, Warehouse

END = DAY + timedelta(days=2)


# Which run landed a row is lineage and differs between two warehouses by design; the rows
# themselves must not.
RUN_LINEAGE = "loaded_run_id"


def _marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    marts = {}
    for mart in MARTS:
        columns = [
            name
            for (name,) in warehouse.query(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [mart],
            )
            if name != RUN_LINEAGE
        ]
        rows = warehouse.query(f"select {', '.join(columns)} from marts.{mart}")
        marts[mart] = sorted(rows, key=repr)
    return marts


def _fresh(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, name: str) -> Warehouse:
    path = warehouse.path.parent / name
    path.mkdir()
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(path / "warehouse.duckdb"))
    monkeypatch.setenv("QA_ANALYTICS_PATH", str(path / "analytics.duckdb"))
    return Warehouse(path / "warehouse.duckdb", path / "analytics.duckdb", warehouse.instance)


def _set_fault_rate(sandbox, rate: float) -> None:
    for seed, vendor in enumerate((sandbox.kore, sandbox.evaluagent, sandbox.cqa)):
        vendor.faults.set_rate(rate, seed=seed, kinds=FAULT_KINDS)


@pytest.mark.parametrize("rate", [0.05, 0.20])
def test_faulty_vendors_give_the_same_warehouse(warehouse, sandbox, monkeypatch, rate) -> None:
    clean = _fresh(warehouse, monkeypatch, "clean")
    assert clean.run(DAY, END) == []
    expected = _marts(clean)
    assert {v for (v,) in clean.query("select distinct vendor from marts.fct_evaluation")} == {
        "kore",
        "evaluagent",
        "cqa",
    }

    faulty = _fresh(warehouse, monkeypatch, f"faulty-{rate}")
    _set_fault_rate(sandbox, rate)
    try:
        assert faulty.run(DAY, END) == []
    finally:
        _set_fault_rate(sandbox, 0.0)
    injected = sum(
        sum(v.faults.injected.values()) for v in (sandbox.kore, sandbox.evaluagent, sandbox.cqa)
    )
    assert injected > 10, "the faults really happened"
    assert _marts(faulty) == expected
    # Every record exactly once: raw keys equal, quarantine only holds the truncated bodies.
    for table in ("stg_kore__conversations", "stg_evaluagent__evaluations", "stg_cqa__analyses"):
        key = {
            "stg_kore__conversations": "conversation_id",
            "stg_evaluagent__evaluations": "evaluation_id",
            "stg_cqa__analyses": "analysis_id",
        }[table]
        assert faulty.query(f"select {key} from staging.{table} order by 1") == clean.query(
            f"select {key} from staging.{table} order by 1"
        )
    reasons = [r[0] for r in faulty.query("select reason from raw.quarantine")]
    assert all("invalid JSON" in r for r in reasons)
    assert Path(faulty.analytics_path).exists()


def test_a_run_killed_mid_window_and_rerun_equals_an_uninterrupted_run(
    warehouse, sandbox, monkeypatch
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    clean = _fresh(warehouse, monkeypatch, "clean")
    assert clean.run(DAY, END) == []
    expected = _marts(clean)

    killed = _fresh(warehouse, monkeypatch, "killed")
    sandbox.evaluagent.requests.clear()
    cli = str(Path(sys.executable).parent / "qa-warehouse")
    process = subprocess.Popen(
        [cli, "run", "--start", DAY.isoformat(), "--end", END.isoformat()],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    # Kill it in the middle of a window: some EvaluAgent details of the first day are in.
    while sandbox.evaluagent.requests.get("evaluation_detail", 0) < 25:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert killed.run(DAY, END) == []
    assert _marts(killed) == expected
    # The killed run never reached the warehouse: its pages stayed in its spool (left on disk
    # for the next run's pruning), and the log has only the re-run's successful loads.
    spools = list(Path(f"{killed.path}.spool").glob("evaluagent__evaluation_details__*"))
    assert spools, "the run was killed while a window was being spooled"
    assert killed.scalar("select count(*) from raw.load_log where status <> 'success'") == 0
