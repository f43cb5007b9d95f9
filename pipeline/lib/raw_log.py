"""The one owner of `raw.load_log` and `raw.quarantine` writes.

Every load is recorded here, success or failure, and everything that could not be used (a
page, a record, an inbox row, a webhook) is kept here with its reason: nothing is dropped.
An item stays open until something settles it (its window landed again, its row was sent)
and is then marked resolved, never deleted: the quarantine is a history. Writers name
columns, never positions, so the tables can grow.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.lib import json_text
from pipeline.lib.json_text import storable_text
from pipeline.lib.raw_schema import LOAD_LOG, QUARANTINE
from pipeline.lib.windows import Window, utc_now

_QUARANTINE_COLUMNS = {
    "quarantine_id": "varchar",
    "run_id": "varchar",
    "vendor": "varchar",
    "endpoint": "varchar",
    "window_start": "timestamp",
    "window_end": "timestamp",
    "page_number": "integer",
    "record_key": "varchar",
    "reason": "varchar",
    "body": "varchar",
    "quarantined_at": "timestamp",
}


@dataclass(frozen=True)
class QuarantineItem:
    """Something that could not be used, with the reason, as `raw.quarantine` keeps it."""

    run_id: str
    vendor: str
    endpoint: str
    reason: str
    body: str
    window: Window | None = None
    page_number: int | None = None
    record_key: str | None = None
    quarantine_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    quarantined_at: datetime = field(default_factory=utc_now)

    def row(self) -> dict[str, Any]:
        return {
            "quarantine_id": self.quarantine_id,
            "run_id": self.run_id,
            "vendor": self.vendor,
            "endpoint": self.endpoint,
            "window_start": self.window.start if self.window else None,
            "window_end": self.window.end if self.window else None,
            "page_number": self.page_number,
            "record_key": self.record_key,
            # Text from outside: what Python read of a lone surrogate cannot be stored as it is.
            "reason": storable_text(self.reason),
            "body": storable_text(self.body),
            "quarantined_at": self.quarantined_at,
        }

    def json_line(self) -> str:
        """The item as one NDJSON line, the form a spool keeps it in until its commit."""
        return json.dumps(self.row(), default=_iso) + "\n"


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def quarantine(conn: duckdb.DuckDBPyConnection, items: Iterable[QuarantineItem]) -> int:
    rows = [item.row() for item in items]
    if rows:
        columns = list(_QUARANTINE_COLUMNS)
        conn.executemany(
            f"insert into {QUARANTINE} ({', '.join(columns)}) "
            f"values ({', '.join('?' for _ in columns)})",
            [[row[c] for c in columns] for row in rows],
        )
    return len(rows)


def quarantine_from_lines(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Insert the items a spool kept as NDJSON lines (`QuarantineItem.json_line`)."""
    columns = ", ".join(f"{name}: '{kind}'" for name, kind in _QUARANTINE_COLUMNS.items())
    conn.execute(
        f"""
        insert into {QUARANTINE} by name
        select * from read_json(?, format = 'newline_delimited', columns = {{{columns}}})
        """,
        [str(path)],
    )


def resolve_window_quarantine(
    conn: duckdb.DuckDBPyConnection, vendor: str, endpoint: str, window: Window, run_id: str
) -> None:
    """A window landed again: what its earlier loads quarantined is settled by this load,
    which quarantines anew whatever is still bad. The items stay, as history."""
    conn.execute(
        f"update {QUARANTINE} set resolved_at = ?, resolution = ? "
        "where vendor = ? and endpoint = ? and window_start = ? and run_id <> ? "
        "and resolved_at is null",
        [utc_now(), f"window landed again by run {run_id}", vendor, endpoint, window.start, run_id],
    )


def resolve_items(
    conn: duckdb.DuckDBPyConnection,
    vendor: str,
    endpoint: str,
    record_key: str,
    resolution: str,
    *,
    body_key: str | None = None,
) -> None:
    """Settle the open items of one record (an inbox row read again, sent, or fixed): those
    keyed `record_key`, and with `body_key` (a JSON path) those whose body names it there."""
    by_body = ""
    params: list[Any] = [utc_now(), resolution, vendor, endpoint, record_key]
    if body_key is not None:
        by_body = (
            f" or (case when json_valid(body) then json_extract_string(body, '{body_key}') end = ?)"
        )
        params.append(record_key)
    conn.execute(
        f"update {QUARANTINE} set resolved_at = ?, resolution = ? "
        f"where vendor = ? and endpoint = ? and resolved_at is null "
        f"and (record_key = ?{by_body})",
        params,
    )


def open_items(
    conn: duckdb.DuckDBPyConnection, vendor: str | None = None, *, include_resolved: bool = False
) -> list[dict[str, Any]]:
    """Quarantined items, oldest first: the open ones, or every one."""
    where = ["(? is null or vendor = ?)"]
    if not include_resolved:
        where.append("resolved_at is null")
    cursor = conn.execute(
        f"select * from {QUARANTINE} where {' and '.join(where)} order by quarantined_at",
        [vendor, vendor],
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class LoadRecord:
    """One load of one endpoint's window, as `raw.load_log` keeps it."""

    run_id: str
    vendor: str
    endpoint: str
    window: Window
    status: str
    pages: int
    records: int
    quarantined: int
    requests: int
    retries: int
    started_at: datetime
    error: str | None = None
    warnings: tuple[str, ...] = ()


def record_load(conn: duckdb.DuckDBPyConnection, load: LoadRecord) -> None:
    conn.execute(
        f"""
        insert or replace into {LOAD_LOG}
            (run_id, vendor, endpoint, window_start, window_end, status, pages, records,
             quarantined, requests, retries, started_at, finished_at, error, warnings)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            load.run_id,
            load.vendor,
            load.endpoint,
            load.window.start,
            load.window.end,
            load.status,
            load.pages,
            load.records,
            load.quarantined,
            load.requests,
            load.retries,
            load.started_at,
            utc_now(),
            None if load.error is None else storable_text(load.error),
            json_text.dumps(list(load.warnings)) if load.warnings else None,
        ],
    )


def previous_records(
    conn: duckdb.DuckDBPyConnection, vendor: str, endpoint: str, window: Window, run_id: str
) -> int | None:
    """Records of the window's last successful load by another run, if any."""
    row = conn.execute(
        f"""
        select records from {LOAD_LOG}
        where vendor = ? and endpoint = ? and window_start = ? and status = 'success'
          and run_id <> ?
        order by finished_at desc limit 1
        """,
        [vendor, endpoint, window.start, run_id],
    ).fetchone()
    return None if row is None else row[0]
