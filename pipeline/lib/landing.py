"""Raw landing in DuckDB, written once for every vendor.

Each page is stored exactly as received, with its vendor, endpoint, UTC window, extraction
time and run id. Pages are committed as they arrive (memory stays flat however large the
window); the window only becomes visible when the run finishes: one transaction then deletes
the window's rows from every other run and marks this run's load successful. Staging reads
only rows of successful loads, so a crashed run leaves nothing half-visible.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.lib.windows import Window

RAW_SCHEMA = "raw"
LOAD_LOG = f"{RAW_SCHEMA}.load_log"
QUARANTINE = f"{RAW_SCHEMA}.quarantine"


@dataclass(frozen=True)
class Endpoint:
    """One vendor endpoint, landed into its own raw table.

    `records_path` (a JSON path into a page) and `known_keys` let a check report keys the
    vendor started sending that staging does not know (schema drift)."""

    vendor: str
    name: str
    records_path: str | None = None
    known_keys: frozenset[str] = frozenset()

    @property
    def table(self) -> str:
        return f"{RAW_SCHEMA}.{self.vendor}__{self.name}"


_ENDPOINTS: dict[tuple[str, str], Endpoint] = {}


def register_endpoint(
    vendor: str, name: str, records_path: str | None = None, known_keys: Iterable[str] = ()
) -> Endpoint:
    """Vendor modules declare their endpoints so every raw table exists before dbt runs."""
    endpoint = Endpoint(vendor, name, records_path, frozenset(known_keys))
    _ENDPOINTS[(vendor, name)] = endpoint
    return endpoint


def registered_endpoints() -> list[Endpoint]:
    return list(_ENDPOINTS.values())


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path))


def ensure_raw_schema(
    conn: duckdb.DuckDBPyConnection, endpoints: Iterable[Endpoint] | None = None
) -> None:
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    conn.execute(
        f"""
        create table if not exists {LOAD_LOG} (
            run_id varchar not null,
            vendor varchar not null,
            endpoint varchar not null,
            window_start timestamp not null,
            window_end timestamp not null,
            status varchar not null,          -- running, success, failed
            pages integer,
            records integer,
            quarantined integer,
            requests integer,
            retries integer,
            started_at timestamp not null,
            finished_at timestamp,
            error varchar,
            primary key (run_id, vendor, endpoint, window_start)
        )
        """
    )
    conn.execute(
        f"""
        create table if not exists {QUARANTINE} (
            quarantine_id varchar primary key,
            run_id varchar not null,
            vendor varchar not null,
            endpoint varchar not null,
            window_start timestamp,
            window_end timestamp,
            page_number integer,
            record_key varchar,
            reason varchar not null,
            body varchar,
            quarantined_at timestamp not null
        )
        """
    )
    for endpoint in endpoints if endpoints is not None else registered_endpoints():
        conn.execute(
            f"""
            create table if not exists {endpoint.table} (
                vendor varchar not null,
                endpoint varchar not null,
                window_start timestamp not null,
                window_end timestamp not null,
                page_number integer not null,
                request json,
                payload json not null,
                extracted_at timestamp not null,
                run_id varchar not null
            )
            """
        )


@dataclass
class WindowLoad:
    """Lands one endpoint's pages for one window in one run; see the module docstring."""

    conn: duckdb.DuckDBPyConnection
    endpoint: Endpoint
    window: Window
    run_id: str
    pages: int = 0
    records: int = 0
    quarantined: int = 0
    # Set when the window had records and this load found none: the previous load is kept.
    emptied_from: int | None = None
    _finished: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        ensure_raw_schema(self.conn, [self.endpoint])
        self.conn.execute(
            f"""
            insert or replace into {LOAD_LOG}
                (run_id, vendor, endpoint, window_start, window_end, status, started_at)
            values (?, ?, ?, ?, ?, 'running', ?)
            """,
            [self.run_id, *self._keys(), self.window.end, utc_now()],
        )

    def _keys(self) -> list[Any]:
        return [self.endpoint.vendor, self.endpoint.name, self.window.start]

    def add_page(
        self, page_number: int, payload_text: str, *, records: int, request: dict[str, Any]
    ) -> None:
        """Store one page's body exactly as received; `records` counts its usable records."""
        self.conn.execute(
            f"insert into {self.endpoint.table} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.endpoint.vendor,
                self.endpoint.name,
                self.window.start,
                self.window.end,
                page_number,
                json.dumps(request, sort_keys=True),
                payload_text,
                utc_now(),
                self.run_id,
            ],
        )
        self.pages += 1
        self.records += records

    def carry_forward(self, select_rowids_sql: str, params: list[Any], *, records: int) -> None:
        """Copy earlier rows of this endpoint into this run's window unchanged (payload and
        extraction time kept): data that is still current needs no new request.

        `select_rowids_sql` selects the `rowid`s of the rows to copy."""
        self.conn.execute(
            f"""
            insert into {self.endpoint.table}
            select vendor, endpoint, ?, ?, page_number, request, payload, extracted_at, ?
            from {self.endpoint.table}
            where rowid in ({select_rowids_sql})
            """,
            [self.window.start, self.window.end, self.run_id, *params],
        )
        self.records += records

    def quarantine(
        self,
        reason: str,
        body: str,
        *,
        page_number: int | None = None,
        record_key: str | None = None,
    ) -> None:
        """Keep a page or record that could not be used, with the reason: nothing is dropped."""
        self.conn.execute(
            f"insert into {QUARANTINE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                str(uuid.uuid4()),
                self.run_id,
                *self._keys(),
                self.window.end,
                page_number,
                record_key,
                reason,
                body,
                utc_now(),
            ],
        )
        self.quarantined += 1

    def previous_records(self) -> int | None:
        row = self.conn.execute(
            f"""
            select records from {LOAD_LOG}
            where vendor = ? and endpoint = ? and window_start = ? and status = 'success'
              and run_id <> ?
            order by finished_at desc limit 1
            """,
            [*self._keys(), self.run_id],
        ).fetchone()
        return None if row is None else row[0]

    def finish(self, *, requests: int = 0, retries: int = 0) -> None:
        """Make this run's pages the window's only rows, atomically."""
        self.conn.execute("begin transaction")
        try:
            window_match = "vendor = ? and endpoint = ? and window_start = ?"
            self.conn.execute(
                f"delete from {self.endpoint.table} where {window_match} and run_id <> ?",
                [*self._keys(), self.run_id],
            )
            self.conn.execute(
                f"delete from {QUARANTINE} where {window_match} and run_id <> ?",
                [*self._keys(), self.run_id],
            )
            self.conn.execute(
                f"""
                update {LOAD_LOG}
                set status = 'success', pages = ?, records = ?, quarantined = ?,
                    requests = ?, retries = ?, finished_at = ?
                where run_id = ? and {window_match}
                """,
                [
                    self.pages,
                    self.records,
                    self.quarantined,
                    requests,
                    retries,
                    utc_now(),
                    self.run_id,
                    *self._keys(),
                ],
            )
            self.conn.execute("commit")
        except Exception:
            self.conn.execute("rollback")
            raise
        self._finished = True

    def fail(self, error: str, *, requests: int = 0, retries: int = 0) -> None:
        """Record the failure; the window keeps the rows of its last successful load."""
        self.conn.execute(
            f"delete from {self.endpoint.table} where run_id = ? and window_start = ?",
            [self.run_id, self.window.start],
        )
        self.conn.execute(
            f"""
            update {LOAD_LOG}
            set status = 'failed', pages = ?, records = ?, quarantined = ?,
                requests = ?, retries = ?, finished_at = ?, error = ?
            where run_id = ? and vendor = ? and endpoint = ? and window_start = ?
            """,
            [
                self.pages,
                self.records,
                self.quarantined,
                requests,
                retries,
                utc_now(),
                error,
                self.run_id,
                *self._keys(),
            ],
        )


def landed_values(
    conn: duckdb.DuckDBPyConnection,
    endpoint: Endpoint,
    window: Window,
    records_path: str,
    value_paths: list[str],
) -> list[tuple[Any, ...]]:
    """Distinct values read from the records of a window's last successful load, e.g. the ids
    a list endpoint returned, for the assets that fetch each one's detail."""
    ensure_raw_schema(conn, [endpoint])
    columns = ", ".join(f"record ->> '{path}'" for path in value_paths)
    return conn.execute(
        f"""
        with records as (
            select unnest(json_extract(pages.payload, '{records_path}')) as record
            from {endpoint.table} as pages
            inner join {LOAD_LOG} as loads
                on loads.run_id = pages.run_id and loads.vendor = pages.vendor
                and loads.endpoint = pages.endpoint and loads.window_start = pages.window_start
                and loads.status = 'success'
            where pages.window_start = ?
        )
        select distinct {columns} from records order by all
        """,
        [window.start],
    ).fetchall()
