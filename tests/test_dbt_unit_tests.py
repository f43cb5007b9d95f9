"""dbt's unit tests (each vendor quirk: the "NA" score, the three key spellings, positions in
nested lists...) check the models' SQL, not the data, so the scheduled build leaves them out
and they run here, once, against an empty warehouse."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.lib.dbt import dbt_project
from pipeline.lib.raw_schema import ensure_raw_schema
from pipeline.lib.submit.ledger import ensure_ledger
from pipeline.lib.warehouse import connect
from pipeline.vendors import VENDORS
from tests.conftest import Warehouse


def test_every_dbt_unit_test_passes(warehouse: Warehouse, tmp_path: Path) -> None:
    with connect(warehouse.path) as conn:
        ensure_raw_schema(conn, [e for vendor in VENDORS for e in vendor.endpoints])
        ensure_ledger(conn)
    target = tmp_path / "target"
    # Unit tests need their models' inputs to exist, for the column types: built empty.
    empty = warehouse.dbt(
        target,
        "build",
        "--empty",
        "--exclude-resource-type",
        "unit_test",
        "--exclude-resource-type",
        "test",
        "--quiet",
    )
    assert empty.returncode == 0, empty.stdout[-4000:]
    result = warehouse.dbt(target, "test", "--select", "test_type:unit")
    assert result.returncode == 0, result.stdout[-4000:]
    summary = re.search(r"PASS=(\d+) WARN=0 ERROR=0", result.stdout)
    declared = json.loads(Path(dbt_project.manifest_path).read_text())["unit_tests"]
    assert len(declared) >= 20
    assert summary and int(summary[1]) == len(declared), result.stdout[-4000:]
