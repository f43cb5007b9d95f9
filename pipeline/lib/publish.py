"""Publish the marts as a separate DuckDB file for analysts, replaced atomically.

Analysts open the published file read-only; the pipeline never writes to it in place, so a
query in progress keeps reading the copy it opened while the next copy is written beside it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from pipeline.lib.windows import utc_now

PUBLISHED_SCHEMA = "marts"


def publish_marts(warehouse_path: Path, analytics_path: Path, run_id: str) -> dict[str, int]:
    """Copy every table of `marts` to a new file, then move it over the analyst copy."""
    analytics_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = analytics_path.with_name(f".{analytics_path.name}.{uuid.uuid4().hex}.tmp")
    rows: dict[str, int] = {}
    try:
        with duckdb.connect() as source:
            source.execute(f"attach '{warehouse_path}' as warehouse (read_only)")
            source.execute(f"attach '{tmp_path}' as analytics")
            tables = [
                name
                for (name,) in source.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = 'warehouse' and table_schema = ? "
                    "and table_type = 'BASE TABLE' order by table_name",
                    [PUBLISHED_SCHEMA],
                ).fetchall()
            ]
            source.execute(f"create schema analytics.{PUBLISHED_SCHEMA}")
            for table in tables:
                source.execute(
                    f"create table analytics.{PUBLISHED_SCHEMA}.{table} as "
                    f"select * from warehouse.{PUBLISHED_SCHEMA}.{table}"
                )
                (count,) = source.execute(
                    f"select count(*) from analytics.{PUBLISHED_SCHEMA}.{table}"
                ).fetchone()
                rows[table] = count
            source.execute(
                "create table analytics.main.publication as "
                "select ?::varchar as run_id, ?::timestamp as published_at, "
                "?::varchar as source_warehouse",
                [run_id, utc_now(), str(warehouse_path.name)],
            )
            source.execute("detach analytics")
            source.execute("detach warehouse")
        with open(tmp_path, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_path, analytics_path)
    finally:
        tmp_path.unlink(missing_ok=True)
    return rows
