"""The one moment a window is written to the warehouse: its spool read in, in one transaction.

The commit reads the spool into the endpoint's raw table, deletes the window's rows of every
other run, keeps what was quarantined and records the load in `raw.load_log`. A run that
crashes or is killed before it leaves the warehouse as it was; staging reads only rows of
successful loads.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb

from pipeline.lib import raw_log
from pipeline.lib.pull.spool import CHUNK_PAGES, WindowSpool
from pipeline.lib.raw_log import LoadRecord
from pipeline.lib.raw_schema import ensure_raw_schema, transaction
from pipeline.lib.windows import Window

# read_json_objects refuses larger elements; far above any QA record, and a clear error if not.
MAX_RECORD_BYTES = 64 * 1024 * 1024
# Pages read into the warehouse per statement: a bounded batch keeps the commit's memory flat.
COMMIT_BATCH_PAGES = 128


@dataclass(frozen=True)
class LoadOutcome:
    """What a committed load did. `emptied_from` is set when the window had records and this
    load found none: the previous load was kept."""

    vendor: str
    endpoint: str
    window: Window
    run_id: str
    pages: int
    records: int
    quarantined: int
    emptied_from: int | None = None
    warnings: tuple[str, ...] = ()


def commit_window(
    conn: duckdb.DuckDBPyConnection, spool: WindowSpool, *, requests: int = 0, retries: int = 0
) -> LoadOutcome:
    """Make this run's pages the window's only rows, atomically. A window that had records
    and now has none is more likely a vendor outage or a changed filter than a day that
    emptied: then the previous load is kept and the load is recorded as failed."""
    _close(conn, spool)
    endpoint = spool.endpoint
    emptied_from = None
    with transaction(conn):
        previous = raw_log.previous_records(
            conn, endpoint.vendor, endpoint.name, spool.window, spool.run_id
        )
        if spool.records == 0 and previous:
            emptied_from = previous
            _insert_quarantine(conn, spool)
            error = f"window went empty (had {previous} records); previous load kept"
            raw_log.record_load(conn, _record(spool, "failed", requests, retries, error))
        else:
            _replace_window(conn, spool)
            raw_log.record_load(conn, _record(spool, "success", requests, retries, None))
    return LoadOutcome(
        endpoint.vendor,
        endpoint.name,
        spool.window,
        spool.run_id,
        spool.pages,
        spool.records,
        spool.quarantined,
        emptied_from,
        tuple(spool.warnings),
    )


def fail_window(
    conn: duckdb.DuckDBPyConnection,
    spool: WindowSpool,
    error: str,
    *,
    requests: int = 0,
    retries: int = 0,
) -> None:
    """Record the failure and keep what was quarantined; the window keeps the rows of its
    last successful load. The load log's row comes first, in a transaction of its own: a
    failure that also prevents storing the quarantine (a full disk) still leaves a trace."""
    _close(conn, spool)
    with transaction(conn):
        raw_log.record_load(conn, _record(spool, "failed", requests, retries, error))
    if spool.quarantined:
        try:
            with transaction(conn):
                _insert_quarantine(conn, spool)
        except duckdb.Error as exc:
            with transaction(conn):
                raw_log.record_load(
                    conn,
                    _record(
                        spool,
                        "failed",
                        requests,
                        retries,
                        f"{error}; its {spool.quarantined} quarantined items could not be "
                        f"stored either: {exc}",
                    ),
                )
            raise


def _record(
    spool: WindowSpool, status: str, requests: int, retries: int, error: str | None
) -> LoadRecord:
    return LoadRecord(
        run_id=spool.run_id,
        vendor=spool.endpoint.vendor,
        endpoint=spool.endpoint.name,
        window=spool.window,
        status=status,
        pages=spool.pages,
        records=spool.records,
        quarantined=spool.quarantined,
        requests=requests,
        retries=retries,
        started_at=spool.started_at,
        error=error,
        warnings=tuple(spool.warnings),
    )


def _close(conn: duckdb.DuckDBPyConnection, spool: WindowSpool) -> None:
    ensure_raw_schema(conn, [spool.endpoint])
    spool.close()


def _insert_quarantine(conn: duckdb.DuckDBPyConnection, spool: WindowSpool) -> None:
    if spool.quarantined:
        raw_log.quarantine_from_lines(conn, spool.quarantine_lines)


def _replace_window(conn: duckdb.DuckDBPyConnection, spool: WindowSpool) -> None:
    endpoint = spool.endpoint
    table = endpoint.table
    # Rows carried forward are copied aside first: they may be among the window's rows, and
    # every row the window held goes, this run's own included (a run that commits a window
    # twice must not keep both copies).
    conn.execute(f"create or replace temporary table carried as select * from {table} limit 0")
    for select_rowids_sql, params in spool.carried:
        conn.execute(
            f"""
            insert into carried
            select * replace (? as window_start, ? as window_end, ? as run_id)
            from {table}
            where rowid in ({select_rowids_sql})
            """,
            [spool.window.start, spool.window.end, spool.run_id, *params],
        )
    conn.execute(
        f"delete from {table} where vendor = ? and endpoint = ? and window_start = ?",
        [endpoint.vendor, endpoint.name, spool.window.start],
    )
    conn.execute(f"insert into {table} by name select * from carried")
    conn.execute("drop table carried")
    raw_log.resolve_window_quarantine(
        conn, endpoint.vendor, endpoint.name, spool.window, spool.run_id
    )
    if endpoint.record_rows:
        _insert_chunks(conn, spool)
    else:
        _insert_pages(conn, spool)
    _insert_quarantine(conn, spool)


def _insert_pages(conn: duckdb.DuckDBPyConnection, spool: WindowSpool) -> None:
    for first in range(0, len(spool.spooled), COMMIT_BATCH_PAGES):
        batch = spool.spooled[first : first + COMMIT_BATCH_PAGES]
        conn.execute(
            f"""
            insert into {spool.endpoint.table}
            select ?, ?, ?, ?, meta.page_number, meta.request, body.content,
                   meta.extracted_at, ?
            from read_text(?) as body
            inner join (
                select
                    unnest(?::varchar[]) as file,
                    unnest(?::integer[]) as page_number,
                    unnest(?::varchar[]) as request,
                    unnest(?::timestamp[]) as extracted_at
            ) as meta
                on parse_filename(body.filename) = meta.file
            """,
            [
                spool.endpoint.vendor,
                spool.endpoint.name,
                spool.window.start,
                spool.window.end,
                spool.run_id,
                [str(spool.path / page.file) for page in batch],
                [page.file for page in batch],
                [page.number for page in batch],
                [page.request for page in batch],
                [page.extracted_at for page in batch],
            ],
        )


def _insert_chunks(conn: duckdb.DuckDBPyConnection, spool: WindowSpool) -> None:
    """Each chunk file is a JSON array of its pages' elements, page after page;
    `read_json_objects` yields each element's text exactly as it stands in the file, and
    DuckDB keeps a scan's rows in file order (its documented order preservation), so an
    element's position says which page it came from."""
    chunks = [
        (name, list(pages)) for name, pages in itertools.groupby(spool.spooled, lambda p: p.file)
    ]
    per_statement = COMMIT_BATCH_PAGES // CHUNK_PAGES
    for first in range(0, len(chunks), per_statement):
        files = [name for name, _ in chunks[first : first + per_statement]]
        batch = [page for _, pages in chunks[first : first + per_statement] for page in pages]
        last_ordinals = list(itertools.accumulate(page.elements or 0 for page in batch))
        inserted = conn.execute(
            f"""
            insert into {spool.endpoint.table}
            select ?, ?, ?, ?, meta.page_number, meta.request, meta.envelope, body.json,
                   meta.extracted_at, ?
            from (
                select row_number() over () as ordinal, json
                from read_json_objects(
                    ?, format = 'array', maximum_object_size = {MAX_RECORD_BYTES}
                )
            ) as body
            inner join (
                select
                    unnest(?::bigint[]) as last_ordinal,
                    unnest(?::bigint[]) as elements,
                    unnest(?::integer[]) as page_number,
                    unnest(?::varchar[]) as request,
                    unnest(?::varchar[]) as envelope,
                    unnest(?::timestamp[]) as extracted_at
            ) as meta
                on body.ordinal > meta.last_ordinal - meta.elements
                and body.ordinal <= meta.last_ordinal
            """,
            [
                spool.endpoint.vendor,
                spool.endpoint.name,
                spool.window.start,
                spool.window.end,
                spool.run_id,
                [str(spool.path / name) for name in files],
                last_ordinals,
                [page.elements for page in batch],
                [page.number for page in batch],
                [page.request for page in batch],
                [page.envelope for page in batch],
                [page.extracted_at for page in batch],
            ],
        ).fetchone()
        expected = last_ordinals[-1] if last_ordinals else 0
        if inserted is None or inserted[0] != expected:
            raise RuntimeError(
                f"{spool.endpoint.table} {spool.window.label}: the spool's chunk files "
                f"{files[0]} to {files[-1]} gave {inserted and inserted[0]} records where "
                f"their pages held {expected}"
            )
