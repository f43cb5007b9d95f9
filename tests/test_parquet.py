"""The marts as Parquet for other engines: every publish writes a new version and only then
points `CURRENT` at it; pyarrow and DuckDB read the same rows as the analyst copy."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import fsspec
import pyarrow.dataset as ds
from pyarrow.fs import FSSpecHandler, PyFileSystem

from pipeline.lib.publish.parquet import POINTER, current_version, publish_parquet
from tests.conftest import DAY

MARTS = ("dim_agent", "fct_interaction", "fct_evaluation", "fct_kpi_score", "agent_daily_scorecard")


def _publish_two_vendors(monkeypatch, warehouse, root: Path) -> None:
    """A run of two vendors, published with QA_PARQUET_PATH set."""
    for name in list(os.environ):
        if name.startswith(("VOXXI_", "EXOTEL_", "CQA_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("QA_PARQUET_PATH", str(root))
    assert warehouse.run(DAY) == []


def _analyst_rows(analytics: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(analytics), read_only=True) as conn:
        return sorted(conn.execute(f"select * from marts.{table}").fetchall(), key=repr)


def _hive_rows(dataset: ds.Dataset, columns: list[str]) -> list[tuple]:
    table = dataset.to_table(columns=columns)
    return sorted(zip(*(table.column(c).to_pylist() for c in columns), strict=True), key=repr)


def test_parquet_marts_from_a_run(monkeypatch, warehouse, tmp_path: Path) -> None:
    """One run's publish, then what it must allow (a run costs more than these checks)."""
    root = tmp_path / "lake"
    _publish_two_vendors(monkeypatch, warehouse, root)
    _the_publish_writes_parquet_that_pyarrow_and_duckdb_read(warehouse, root)
    _any_fsspec_url_is_a_target(warehouse)
    _a_new_publish_is_switched_to_whole_and_old_versions_go(warehouse, root)


def _the_publish_writes_parquet_that_pyarrow_and_duckdb_read(warehouse, root: Path) -> None:
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


def _a_new_publish_is_switched_to_whole_and_old_versions_go(warehouse, root: Path) -> None:
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


def _any_fsspec_url_is_a_target(warehouse) -> None:
    """An object store stands behind an fsspec URL: the in-memory filesystem, here."""
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


def test_a_path_with_a_quote_publishes(tmp_path: Path) -> None:
    """`attach` takes its path quoted, whatever the folder is called."""
    import duckdb

    from pipeline.lib.publish.analyst_copy import publish_marts

    folder = tmp_path / "it's here"
    folder.mkdir()
    with duckdb.connect(str(folder / "warehouse.duckdb")) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.dim_agent as select 1 as agent_id")
    rows = publish_marts(folder / "warehouse.duckdb", folder / "analytics.duckdb", "run-1")
    assert rows == {"dim_agent": 1}
    with duckdb.connect(str(folder / "analytics.duckdb"), read_only=True) as conn:
        assert conn.execute("select agent_id from marts.dim_agent").fetchall() == [(1,)]
