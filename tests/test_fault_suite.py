"""Faults at 5% and 20% of requests, every kind the vendors produce: every record of a
multi-day window lands exactly once and the marts equal a fault-free run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from qa_sandbox.faults import FAULT_KINDS

from pipeline.lib.vendor import PULL
from pipeline.summary import MARTS
from pipeline.vendors import VENDORS
from tests.conftest import DAY, Warehouse, run_once
from tests.waiting import wait_until

# End to end and long: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

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


@pytest.fixture(scope="module")
def clean_run(warehouse_home: Path, sandbox_server) -> dict:
    """The fault-free run of the days every test here compares with, run once: its marts and
    each vendor's staged keys."""
    with run_once(warehouse_home, sandbox_server) as clean:
        assert clean.run(DAY, END) == []
        vendors = {v for (v,) in clean.query("select distinct vendor from marts.fct_evaluation")}
        assert vendors == {v.name for v in VENDORS if PULL in v.shapes and v.scores}
        return {
            "marts": _marts(clean),
            "keys": {
                table: clean.query(f"select {key} from staging.{table} order by 1")
                for table, key in STAGED_KEYS.items()
            },
        }


STAGED_KEYS = {
    "stg_kore__conversations": "conversation_id",
    "stg_evaluagent__evaluations": "evaluation_id",
    "stg_cqa__analyses": "analysis_id",
}


def _set_fault_rate(sandbox, rate: float) -> None:
    for seed, vendor in enumerate((sandbox.kore, sandbox.evaluagent, sandbox.cqa)):
        vendor.faults.set_rate(rate, seed=seed, kinds=FAULT_KINDS)


@pytest.mark.parametrize("rate", [0.05, 0.20])
def test_faulty_vendors_give_the_same_warehouse(clean_run, warehouse, sandbox, rate) -> None:
    expected = clean_run["marts"]
    faulty = warehouse
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
    for table, key in STAGED_KEYS.items():
        assert (
            faulty.query(f"select {key} from staging.{table} order by 1")
            == clean_run["keys"][table]
        )
    reasons = [r[0] for r in faulty.query("select reason from raw.quarantine")]
    assert all("invalid JSON" in r for r in reasons)
    assert Path(faulty.analytics_path).exists()


def test_a_run_killed_mid_window_and_rerun_equals_an_uninterrupted_run(
    clean_run, warehouse, sandbox
) -> None:
    import os
    import signal
    import subprocess
    import sys

    expected = clean_run["marts"]
    killed = warehouse
    sandbox.evaluagent.requests.clear()
    cli = str(Path(sys.executable).parent / "qa-warehouse")
    process = subprocess.Popen(
        [cli, "run", "--start", DAY.isoformat(), "--end", END.isoformat()],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it in the middle of a window: some EvaluAgent details of the first day are in.
    wait_until(
        lambda: sandbox.evaluagent.requests.get("evaluation_detail", 0) >= 25,
        "25 EvaluAgent detail requests, to kill the run among them",
        process=process,
        interval=0.01,
    )
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


def _odd_values_kept(warehouse: Warehouse, table: str, records: str) -> set[str]:
    """Which odd values the records of a raw table hold (`records`: SQL giving one record per
    row), each in the form stored: the lone surrogate escape as its text, the rest as sent."""
    values = warehouse.query(
        f"select distinct json_extract(record, '$.vendor_free_text')::varchar "
        f"from (select {records} as record from {table})"
    )
    expected = {
        r'"cut short: \\ud83d"': "lone_surrogate",
        '"one\u2028two\u2029three\\ffour"': "line_separator",
        r'"before\u0000after"': "nul",
        '"' + "x" * 200_000 + '"': "long_field",
        "[" * 5_000 + "]" * 5_000: "deep_nesting",
    }
    return {expected[value] for (value,) in values if value in expected}


def test_values_json_allows_in_fields_nobody_reads_cost_no_record(
    clean_run, warehouse, sandbox
) -> None:
    """A lone surrogate escape, U+2028, NUL, a 200 KB field and nesting 5,000 deep, in a free
    text field of every record of every list page and detail body: every day lands, nothing
    is quarantined, the raw rows keep the values, and the marts are those of a clean run."""
    from qa_sandbox.values import ODD_VALUES

    simulators = (sandbox.kore, sandbox.evaluagent, sandbox.cqa)
    for vendor in simulators:
        vendor.odd.serve(*ODD_VALUES)
    try:
        assert warehouse.run(DAY, END) == []
    finally:
        for vendor in simulators:
            vendor.odd.reset()
    assert _marts(warehouse) == clean_run["marts"]
    for table, key in STAGED_KEYS.items():
        assert (
            warehouse.query(f"select {key} from staging.{table} order by 1")
            == (clean_run["keys"][table])
        )
    assert warehouse.scalar("select count(*) from raw.quarantine") == 0
    assert warehouse.scalar("select count(*) from raw.load_log where status <> 'success'") == 0
    every = set(ODD_VALUES)
    # Kore keeps a row per record; EvaluAgent and CQA a row per page or detail body.
    in_list = "unnest(json_extract(payload, '{}[*]'))"
    detail = "json_extract(payload, '$.data')"
    for table, records in (
        ("raw.kore__rawdata", "payload"),
        ("raw.evaluagent__evaluations", in_list.format("$.data")),
        ("raw.evaluagent__users", in_list.format("$.data")),
        ("raw.evaluagent__evaluation_details", detail),
        ("raw.cqa__analyses", in_list.format("$.data.analyses")),
        ("raw.cqa__analysis_details", detail),
        ("raw.cqa__interactions", detail),
    ):
        assert _odd_values_kept(warehouse, table, records) == every, table
    assert _odd_values_kept(warehouse, "raw.evaluagent__groups", in_list.format("$.data"))
    warnings = warehouse.scalar(
        "select string_agg(warnings::varchar, ' ') from raw.load_log where vendor = 'kore'"
    )
    assert "lone surrogate escapes" in warnings, "the one change made is said in the load log"
