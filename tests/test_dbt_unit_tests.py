"""dbt's unit tests (each vendor quirk: the "NA" score, the three key spellings, positions in
nested lists...) check the models' SQL, not the data, so the scheduled build leaves them out
and they run here, once, against an empty warehouse."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from pipeline.lib.dbt import DBT_EXECUTABLE, DBT_PROJECT_DIR
from pipeline.lib.raw_schema import ensure_raw_schema
from pipeline.lib.submit.ledger import ensure_ledger
from pipeline.lib.warehouse import connect
from pipeline.vendors import VENDORS


def _dbt(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            DBT_EXECUTABLE,
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
        ],
        env={**os.environ, "QA_WAREHOUSE_PATH": str(tmp_path / "w.duckdb")},
        capture_output=True,
        text=True,
    )


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as conn:
        ensure_raw_schema(conn, [e for vendor in VENDORS for e in vendor.endpoints])
        ensure_ledger(conn)
    # Unit tests need their models' inputs to exist, for the column types: built empty.
    empty = _dbt(
        tmp_path,
        "build",
        "--empty",
        "--exclude-resource-type",
        "unit_test",
        "--exclude-resource-type",
        "test",
        "--quiet",
    )
    assert empty.returncode == 0, empty.stdout[-4000:]
    result = _dbt(tmp_path, "test", "--select", "test_type:unit")
    assert result.returncode == 0, result.stdout[-4000:]
    summary = re.search(r"PASS=(\d+) WARN=0 ERROR=0", result.stdout)
    assert summary and int(summary[1]) >= 11, result.stdout[-4000:]
