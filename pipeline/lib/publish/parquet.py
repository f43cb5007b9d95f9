"""The marts as Parquet, for engines other than DuckDB (Spark, Trino, BigQuery, pandas).

Each publish writes a new version folder under `QA_PARQUET_PATH` (a local folder or any
fsspec URL: `s3://...`, `gs://...`, `abfs://...`, with that filesystem's package installed):
one folder per mart, Hive-partitioned by `vendor` and by `month` of the mart's main date where
it has one, so a reader of one vendor's month reads only those files. Only when every file is
written does `CURRENT` (a one-line file naming the version) move to it: a reader who starts
from `CURRENT` never sees half a publish. The last few versions are kept for readers still
on them; older ones are removed.

    <root>/CURRENT                                   v20261204T101500Z
    <root>/v20261204T101500Z/fct_evaluation/vendor=kore/month=2026-03/data_0.parquet
    <root>/v20261204T101500Z/dim_agent/data_0.parquet
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import fsspec
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline.lib.files import for_readers

POINTER = "CURRENT"
KEEP_VERSIONS = 3
# The column each mart is dated by, for its `month` partition; marts not named here are
# partitioned by vendor alone (or not at all, without a vendor column).
MONTH_OF = {
    "fct_interaction": "started_at",
    "fct_interaction_insight": "reported_at",
    "fct_evaluation": "evaluated_at",
    "fct_audit": "audited_at",
    "agent_daily_scorecard": "date",
    "fct_evaluation_history": "valid_from",
}


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            "and table_name = ? order by column_index",
            [table],
        ).fetchall()
    ]


def _write_version(analytics_path: Path, folder: Path) -> dict[str, int]:
    """Every mart of the analyst copy as Parquet under `folder`; rows per mart."""
    rows: dict[str, int] = {}
    with duckdb.connect(str(analytics_path), read_only=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "order by table_name"
            ).fetchall()
        ]
        for table in tables:
            columns = _columns(conn, table)
            select = f"select * from marts.{table}"
            partitions: list[str] = []
            if "vendor" in columns:
                partitions.append("vendor")
            if MONTH_OF.get(table) in columns:
                select = (
                    f"select *, strftime({MONTH_OF[table]}, '%Y-%m') as month from marts.{table}"
                )
                partitions.append("month")
            target = folder / table
            options = "format parquet, compression zstd"
            if partitions:
                options += f", partition_by ({', '.join(partitions)})"
                target.mkdir(parents=True)
            else:
                target.mkdir(parents=True)
                target = target / "data_0.parquet"
            conn.execute(f"copy ({select}) to '{target}' ({options})")
            (rows[table],) = conn.execute(f"select count(*) from marts.{table}").fetchone()
    return rows


def publish_parquet(analytics_path: Path, root: str) -> tuple[str, dict[str, int]]:
    """Write the analyst copy's marts as a new version under `root`, then point `CURRENT` at
    it. Returns the version's URL and the rows per mart."""
    fs, base = url_to_fs(root)
    base = base.rstrip("/")
    version = "v" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    with tempfile.TemporaryDirectory(prefix="qa-parquet-") as scratch:
        local = Path(scratch) / version
        rows = _write_version(analytics_path, local)
        fs.makedirs(f"{base}/{version}", exist_ok=True)
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            destination = f"{base}/{version}/{path.relative_to(local).as_posix()}"
            fs.makedirs(destination.rsplit("/", 1)[0], exist_ok=True)
            fs.put_file(str(path), destination)
    _point_at(fs, base, version)
    _prune(fs, base, version)
    if isinstance(fs, LocalFileSystem):
        # For readers, like the analyst copy (this process keeps its other files private).
        for path in (Path(base), *Path(base).rglob("*")):
            for_readers(path)
    return f"{root.rstrip('/')}/{version}", rows


def _point_at(fs: fsspec.AbstractFileSystem, base: str, version: str) -> None:
    """`CURRENT` names the new version, replaced in one step: a rename on a local disk, a
    single-object write on an object store."""
    pointer = f"{base}/{POINTER}"
    if isinstance(fs, LocalFileSystem):
        staged = f"{base}/.{POINTER}.{version}"
        fs.pipe_file(staged, f"{version}\n".encode())
        Path(staged).replace(pointer)
    else:
        fs.pipe_file(pointer, f"{version}\n".encode())


def current_version(root: str) -> str:
    """The URL of the version `CURRENT` names."""
    fs, base = url_to_fs(root)
    version = fs.cat_file(f"{base.rstrip('/')}/{POINTER}").decode().strip()
    return f"{root.rstrip('/')}/{version}"


def _prune(fs: fsspec.AbstractFileSystem, base: str, current: str) -> None:
    versions = sorted(
        name.rstrip("/").rsplit("/", 1)[-1]
        for name in fs.ls(base, detail=False)
        if name.rstrip("/").rsplit("/", 1)[-1].startswith("v")
    )
    for old in versions[:-KEEP_VERSIONS]:
        if old != current:
            fs.rm(f"{base}/{old}", recursive=True)
