"""The marts as Parquet for other engines: every publish writes a new version and only then
points `CURRENT` at it; pyarrow and DuckDB read the same rows as the analyst copy."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import fsspec
import pyarrow.dataset as ds
import pytest
from pyarrow.fs import FSSpecHandler, PyFileSystem

from pipeline.lib.parquet import POINTER, current_version, publish_parquet
from tests.conftest import DAY

MARTS = ("dim_agent", "fct_interaction", "fct_evaluation", "fct_kpi_score", "agent_daily_scorecard")


@pytest.fixture
def published(monkeypatch, warehouse, tmp_path):
    """A run of two vendors, published with QA_PARQUET_PATH set."""
    for name in list(os.environ):
        if name.startswith(("VOXXI_", "EXOTEL_", "CQA_")):
            monkeypatch.delenv(name)
    root = tmp_path / "lake"
    monkeypatch.setenv("QA_PARQUET_PATH", str(root))
    assert warehouse.run(DAY) == []
    return warehouse, root


def _analyst_rows(analytics: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(analytics), read_only=True) as conn:
        return sorted(conn.execute(f"select * from marts.{table}").fetchall(), key=repr)


def _hive_rows(dataset: ds.Dataset, columns: list[str]) -> list[tuple]:
    table = dataset.to_table(columns=columns)
    return sorted(zip(*(table.column(c).to_pylist() for c in columns), strict=True), key=repr)


def test_the_publish_writes_parquet_that_pyarrow_and_duckdb_read(published) -> None:
    warehouse, root = published
    version = current_version(str(root))
    assert (root / POINTER).read_text().strip() == Path(version).name
    folder = Path(version)
    # Hive partitions where they help: vendor and month of the mart's date.
    assert any(folder.glob("fct_evaluation/vendor=kore/month=2026-03/*.parquet"))
    assert any(folder.glob("fct_interaction/vendor=evaluagent/month=*/*.parquet"))
    assert (folder / "dim_agent" / "data_0.parquet").exists()
    with duckdb.connect(str(warehouse.analytics_path), read_only=True) as conn:
        columns = {
            table: [
                c
                for (c,) in conn.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' "
                    "and table_name = ? order by column_index",
                    [table],
                ).fetchall()
            ]
            for table in MARTS
        }
    for table in MARTS:
        expected = _analyst_rows(warehouse.analytics_path, table)
        assert expected, table
        dataset = ds.dataset(folder / table, format="parquet", partitioning="hive")
        assert _hive_rows(dataset, columns[table]) == expected, f"pyarrow {table}"
        select = ", ".join(f'"{c}"' for c in columns[table])
        with duckdb.connect() as conn:
            found = conn.execute(
                f"select {select} from read_parquet('{folder / table}/**/*.parquet', "
                "hive_partitioning = true)"
            ).fetchall()
        assert sorted(found, key=repr) == expected, f"duckdb {table}"


def test_a_new_publish_is_switched_to_whole_and_old_versions_go(published, monkeypatch) -> None:
    warehouse, root = published
    first = current_version(str(root))
    seen = [first]
    for _ in range(3):
        version, rows = publish_parquet(warehouse.analytics_path, str(root))
        assert current_version(str(root)) == version and version not in seen
        seen.append(version)
        assert rows["fct_interaction"] == len(
            _analyst_rows(warehouse.analytics_path, "fct_interaction")
        )
    kept = sorted(p.name for p in root.iterdir() if p.name.startswith("v"))
    assert kept == sorted(Path(v).name for v in seen[-3:]), "the last three stay for readers"
    assert not any(p.name.startswith(".") for p in root.iterdir()), "no staged pointer left"


def test_any_fsspec_url_is_a_target(published) -> None:
    """An object store stands behind an fsspec URL: the in-memory filesystem, here."""
    warehouse, _ = published
    version, _ = publish_parquet(warehouse.analytics_path, "memory://qa-lake/marts")
    assert current_version("memory://qa-lake/marts") == version
    fs = fsspec.filesystem("memory")
    path = fs._strip_protocol(version) + "/fct_evaluation"
    dataset = ds.dataset(
        path, format="parquet", partitioning="hive", filesystem=PyFileSystem(FSSpecHandler(fs))
    )
    expected = _analyst_rows(warehouse.analytics_path, "fct_evaluation")
    assert dataset.count_rows() == len(expected)
    with duckdb.connect() as conn:
        conn.register_filesystem(fs)
        (count,) = conn.execute(
            f"select count(*) from read_parquet('memory://{path.lstrip('/')}/**/*.parquet', "
            "hive_partitioning = true)"
        ).fetchone()
    assert count == len(expected)
