"""Publish the marts for analysts: a new read-only file each time, switched to atomically.

`QA_ANALYTICS_PATH` is a symbolic link to the current version (`<name>.<stamp>.duckdb`,
beside it). Each publish writes a new version, checks that it opens and holds every mart,
makes it read-only, then points the link at it with one rename, so a reader opens either the
old copy or the new one, never half of one. The last few versions are kept for rollback
(`ln -sfn` an older one). A query in progress keeps reading the version it opened.

An analyst who opens the copy read-write and is stopped before a checkpoint leaves a `.wal`.
When the copy was one file replaced in place, that WAL sat beside its name and DuckDB refused
every later copy ("WAL does not match database file"). DuckDB resolves the link, so the WAL
now sits beside the version that analyst opened, and no later version ever meets it.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.lib.files import for_readers, readable_folder
from pipeline.lib.windows import utc_now

PUBLISHED_SCHEMA = "marts"
# Versions kept beside the current one for rollback.
KEEP_VERSIONS = 3


class PublishError(RuntimeError):
    """The new version did not verify; analysts keep the one they had."""


def _versions(analytics_path: Path) -> list[Path]:
    stamp = r"\.\d{8}T\d{12}Z"
    pattern = re.compile(
        re.escape(analytics_path.stem) + stamp + re.escape(analytics_path.suffix) + "$"
    )
    return sorted(p for p in analytics_path.parent.iterdir() if pattern.match(p.name))


def publish_marts(warehouse_path: Path, analytics_path: Path, run_id: str) -> dict[str, int]:
    """Copy every table of `marts` to a new version, verify it, switch the link to it."""
    # For readers: the process keeps its other files private (pipeline/lib/files.py).
    readable_folder(analytics_path.parent)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    version = analytics_path.with_name(f"{analytics_path.stem}.{stamp}{analytics_path.suffix}")
    rows = _copy(warehouse_path, version, run_id)
    try:
        _verify(version, rows)
        for_readers(version, writable=False)
        _switch(analytics_path, version)
    except BaseException:
        version.unlink(missing_ok=True)
        raise
    for old in _versions(analytics_path)[:-KEEP_VERSIONS]:
        old.unlink(missing_ok=True)
        old.with_name(old.name + ".wal").unlink(missing_ok=True)
    return rows


def _copy(warehouse_path: Path, version: Path, run_id: str) -> dict[str, int]:
    rows: dict[str, int] = {}
    with duckdb.connect() as source:
        source.execute(f"attach {_quote(str(warehouse_path))} as warehouse (read_only)")
        source.execute(f"attach {_quote(str(version))} as analytics")
        tables = [
            name
            for (name,) in source.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'warehouse' and schema_name = ? order by table_name",
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
        _copy_comments(source, tables)
        source.execute(
            "create table analytics.main.publication as "
            "select ?::varchar as run_id, ?::timestamp as published_at, "
            "?::varchar as source_warehouse",
            [run_id, utc_now(), str(warehouse_path.name)],
        )
        source.execute("checkpoint analytics")
        source.execute("detach analytics")
        source.execute("detach warehouse")
    with open(version, "rb") as handle:
        os.fsync(handle.fileno())
    return rows


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_comments(source: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """The descriptions dbt wrote on each mart and column (`persist_docs`), on the copy too:
    `create table as` copies rows, not comments."""
    for table, comment in source.execute(
        "select table_name, comment from duckdb_tables() where database_name = 'warehouse' "
        "and schema_name = ? and comment is not null",
        [PUBLISHED_SCHEMA],
    ).fetchall():
        if table in tables:
            source.execute(
                f"comment on table analytics.{PUBLISHED_SCHEMA}.{table} is {_quote(comment)}"
            )
    for table, column, comment in source.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'warehouse' and schema_name = ? and comment is not null",
        [PUBLISHED_SCHEMA],
    ).fetchall():
        if table in tables:
            source.execute(
                f'comment on column analytics.{PUBLISHED_SCHEMA}.{table}."{column}" '
                f"is {_quote(comment)}"
            )


def _verify(version: Path, rows: dict[str, int]) -> None:
    """The new version opens read-only, as analysts open it, and holds what was copied."""
    try:
        with duckdb.connect(str(version), read_only=True) as conn:
            for table, count in rows.items():
                (found,) = conn.execute(
                    f"select count(*) from {PUBLISHED_SCHEMA}.{table}"
                ).fetchone()
                if found != count:
                    raise PublishError(f"{version.name}: {table} holds {found} of {count} rows")
            conn.execute("select run_id from main.publication").fetchone()
    except duckdb.Error as exc:
        raise PublishError(f"{version.name} does not open: {exc}") from exc


def _switch(analytics_path: Path, version: Path) -> None:
    """Point `analytics_path` at `version` with one rename. A plain file left there by an
    older release becomes the first kept version; a WAL beside it (an analyst's) would not
    match any version, and goes."""
    if analytics_path.exists() and not analytics_path.is_symlink():
        legacy = analytics_path.with_name(
            f"{analytics_path.stem}.00000000T000000000000Z{analytics_path.suffix}"
        )
        os.replace(analytics_path, legacy)
        analytics_path.with_name(analytics_path.name + ".wal").unlink(missing_ok=True)
    link = analytics_path.with_name(f".{analytics_path.name}.{uuid.uuid4().hex}.link")
    link.symlink_to(version.name)
    os.replace(link, analytics_path)
