"""An analyst switches a vendor off in dbt (`--vars '{using_kore: false}'`) without forking the
models: the build must still pass, every mart must lose that vendor's rows and keep the
others', and switching it back on must give the marts they had before."""

from __future__ import annotations

from pathlib import Path

from pipeline.lib.vendor import PULL
from pipeline.vendors import VENDORS as REGISTRY
from tests.conftest import Warehouse

# The vendors a day's landing fills (the others need calls submitted and analysed first).
VENDORS = tuple(v.name for v in REGISTRY if PULL in v.shapes)
MARTS = (
    "fct_interaction",
    "fct_evaluation",
    "fct_kpi_score",
    "fct_audit",
    "bridge_agent_vendor",
    "agent_daily_scorecard",
)


def _rows_by_vendor(warehouse: Warehouse) -> dict[str, dict[str, int]]:
    return {
        mart: dict(warehouse.query(f"select vendor, count(*) from marts.{mart} group by vendor"))
        for mart in MARTS
    }


def _marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    return {m: sorted(warehouse.query(f"select * from marts.{m}"), key=repr) for m in MARTS}


def test_a_vendor_switched_off_leaves_the_marts_and_comes_back(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # One landing for the three switches: each one ends with the marts as they were.
    assert warehouse.run() == []
    before = _marts(warehouse)
    counts = _rows_by_vendor(warehouse)
    # Every vendor has rows in the facts to lose (CQA has no audits in the sandbox).
    for mart in ("fct_interaction", "fct_evaluation", "fct_kpi_score"):
        assert set(counts[mart]) == set(VENDORS), (mart, counts[mart])

    for vendor in VENDORS:
        off = warehouse.dbt_build(
            tmp_path / f"{vendor}-off", "--vars", f"{{using_{vendor}: false}}"
        )
        assert off.returncode == 0, (vendor, off.stdout[-3000:])
        without = _rows_by_vendor(warehouse)
        for mart in MARTS:
            expected = {name: n for name, n in counts[mart].items() if name != vendor}
            assert without[mart] == expected, (vendor, mart, without[mart], counts[mart])

        # Back on: the models alone (its tests passed in the first build, and the marts
        # are compared row for row below).
        on = warehouse.dbt(tmp_path / f"{vendor}-on", "run", "--quiet")
        assert on.returncode == 0, (vendor, on.stdout[-3000:])
        assert _marts(warehouse) == before, f"{vendor} switched back on"
