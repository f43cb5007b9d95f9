"""The `raw` schema: one table per vendor endpoint, the load log and the quarantine.

Every table of `raw` that holds vendor data or landing bookkeeping is created and migrated
here. Vendors declare their endpoints (`Vendor.endpoints`); nothing registers itself on import.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
from dagster import AssetKey, TableColumn, TableSchema

from pipeline.lib.windows import Window

RAW_SCHEMA = "raw"
LOAD_LOG = f"{RAW_SCHEMA}.load_log"
QUARANTINE = f"{RAW_SCHEMA}.quarantine"


@dataclass(frozen=True)
class Endpoint:
    """One vendor endpoint, landed into its own raw table.

    `records_path` (a JSON path into a page) and `known_keys` let a check report keys the
    vendor started sending that staging does not know (schema drift). An endpoint of
    `record_rows` stores one row per record instead of one per page. An endpoint of
    `results` holds what a vendor answered about submissions when asked (an analysis
    polled): one row per submission and version of its answer, appended, never a window. An
    endpoint of `deliveries` holds what a vendor posted to our webhook receiver: one row per
    delivery, keyed by the vendor's id of it."""

    vendor: str
    name: str
    records_path: str | None = None
    known_keys: frozenset[str] = frozenset()
    record_rows: bool = False
    results: bool = False
    deliveries: bool = False

    @property
    def table(self) -> str:
        return f"{RAW_SCHEMA}.{self.vendor}__{self.name}"

    @property
    def asset_key(self) -> AssetKey:
        """Raw assets are keyed raw/<vendor>/<endpoint>, the same path dbt's sources map to."""
        return AssetKey(["raw", self.vendor, self.name])

    @property
    def records_sql(self) -> str:
        """SQL for the records of one raw row (`payload`), as one row each."""
        if self.record_rows:
            return "payload"
        return f"unnest(json_extract(payload, '{self.records_path}'))"


@contextlib.contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit, or roll back and re-raise. DuckDB has already aborted the transaction after some
    errors (out of memory, for one): the rollback then must not hide the first error."""
    conn.execute("begin transaction")
    try:
        yield
        conn.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):
            conn.execute("rollback")
        raise


def ensure_raw_schema(conn: duckdb.DuckDBPyConnection, endpoints: Iterable[Endpoint]) -> None:
    """The load log, the quarantine and the tables of `endpoints`, created or migrated."""
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    conn.execute(
        f"""
        create table if not exists {LOAD_LOG} (
            run_id varchar not null,
            vendor varchar not null,
            endpoint varchar not null,
            window_start timestamp not null,
            window_end timestamp not null,
            status varchar not null,          -- success or failed
            pages integer,
            records integer,
            quarantined integer,
            requests integer,
            retries integer,
            started_at timestamp not null,
            finished_at timestamp,
            error varchar,
            warnings json,                    -- what the client noticed but did not trust
            primary key (run_id, vendor, endpoint, window_start)
        )
        """
    )
    if "warnings" not in _columns(conn, RAW_SCHEMA, "load_log"):
        conn.execute(f"alter table {LOAD_LOG} add column warnings json")
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
            quarantined_at timestamp not null,
            resolved_at timestamp,
            resolution varchar
        )
        """
    )
    # Quarantine rows were deleted when settled before 0.5.0; they are kept, resolved, now.
    schema, name = QUARANTINE.split(".")
    for column, kind in (("resolved_at", "timestamp"), ("resolution", "varchar")):
        if column not in _columns(conn, schema, name):
            conn.execute(f"alter table {QUARANTINE} add column {column} {kind}")
    for endpoint in endpoints:
        if endpoint.results:
            conn.execute(_results_ddl(endpoint.table))
            continue
        if endpoint.deliveries:
            conn.execute(_deliveries_ddl(endpoint.table))
            schema, name = endpoint.table.split(".")
            if "vendor_id_verified" not in _columns(conn, schema, name):
                conn.execute(f"alter table {endpoint.table} add column vendor_id_verified boolean")
            continue
        if endpoint.record_rows:
            _migrate_to_record_rows(conn, endpoint)
        conn.execute(_raw_ddl(endpoint.table, record_rows=endpoint.record_rows))


def table_schema(conn: duckdb.DuckDBPyConnection, table: str) -> TableSchema:
    """A table's columns and types as Dagster shows them (`dagster/column_schema`)."""
    schema, name = table.split(".")
    return TableSchema(
        columns=[
            TableColumn(column, kind.lower())
            for column, kind in conn.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
        ]
    )


def _columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    return {
        column
        for (column,) in conn.execute(
            # duckdb_columns(), not information_schema: its first use in a process costs
            # 30 ms, a tenth of landing a small window.
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }


def _raw_ddl(table: str, *, record_rows: bool) -> str:
    # ZSTD for the JSON, chosen rather than analysed: DuckDB's analysis of each segment's
    # strings (dictionary, FSST) took longer than the rest of a commit of records, and ZSTD
    # packs JSON text tighter (bench records: 3 MB against 93 MB for 100,000).
    envelope = "page_envelope json," if record_rows else ""
    return f"""
        create table if not exists {table} (
            vendor varchar not null,
            endpoint varchar not null,
            window_start timestamp not null,
            window_end timestamp not null,
            page_number integer not null,
            request json,
            {envelope}
            payload json not null using compression zstd,
            extracted_at timestamp not null,
            run_id varchar not null
        )
    """


def _results_ddl(table: str) -> str:
    return f"""
        create table if not exists {table} (
            vendor varchar not null,
            endpoint varchar not null,
            submission_key varchar not null,
            vendor_id varchar,
            payload json not null using compression zstd,
            payload_hash varchar not null,
            extracted_at timestamp not null,
            run_id varchar not null
        )
    """


def _deliveries_ddl(table: str) -> str:
    # `payload` is the body exactly as received when it was JSON; a form body keeps its text
    # in `form_body` and its fields, as an object, in `payload`.
    return f"""
        create table if not exists {table} (
            delivery_key varchar primary key,
            vendor varchar not null,
            endpoint varchar not null,
            submission_key varchar,
            reference varchar,
            content_type varchar,
            payload json not null using compression zstd,
            form_body varchar,
            received_at timestamp not null,
            copies integer not null,
            landed_at timestamp not null,
            run_id varchar not null,
            vendor_id_verified boolean
        )
    """


def _migrate_to_record_rows(conn: duckdb.DuckDBPyConnection, endpoint: Endpoint) -> None:
    """A warehouse from before `record_rows` holds whole pages in this table: split them into
    one row per record, in one transaction. Records and envelopes then come out of DuckDB's
    JSON functions, so their whitespace is normalised; rows landed from now on keep the
    vendor's bytes."""
    schema, name = endpoint.table.split(".")
    columns = _columns(conn, schema, name)
    if not columns or "page_envelope" in columns:
        return
    records_key = str(endpoint.records_path).removeprefix("$.").removesuffix("[*]")
    with transaction(conn):
        conn.execute(f"alter table {endpoint.table} rename to {name}__pages")
        conn.execute(_raw_ddl(endpoint.table, record_rows=True))
        conn.execute(
            f"""
            insert into {endpoint.table}
            select vendor, endpoint, window_start, window_end, page_number, request,
                   json_merge_patch(payload, json_object('{records_key}', null)),
                   unnest(json_extract(payload, '{endpoint.records_path}')),
                   extracted_at, run_id
            from {schema}.{name}__pages
            """
        )
        conn.execute(f"drop table {schema}.{name}__pages")


def successful_rows(table: str, alias: str = "pages") -> str:
    """The rows of a raw table (as `alias`) that belong to a successful load of their window:
    rows of a run that was killed or failed half-way are never read."""
    return f"""
        {table} as {alias}
        inner join {LOAD_LOG} as loads
            on loads.run_id = {alias}.run_id and loads.vendor = {alias}.vendor
            and loads.endpoint = {alias}.endpoint and loads.window_start = {alias}.window_start
            and loads.status = 'success'
    """


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
            from {successful_rows(endpoint.table)}
            where pages.window_start = ?
        )
        select distinct {columns} from records order by all
        """,
        [window.start],
    ).fetchall()
