"""Raw landing in DuckDB, written once for every vendor.

Each page is stored exactly as received, with its vendor, endpoint, UTC window, extraction
time and run id. An endpoint of many records per page (`record_rows`) stores one row per
record instead: the record's bytes exactly as received, beside its page's number, request and
envelope (the page's other top-level keys). DuckDB groups rows by count (122,880 to a row
group), so whole pages of hundreds of kilobytes never fill a row group: a large window then
stays in memory until its commit, and every checkpoint rewrites a row group holding all of
history. While a window is read from the vendor its pages go to a spool: a directory
of that load alone, so memory stays flat however large the window and the warehouse is not
held open (DuckDB allows one writing process) while the vendor is slow. A page stored whole
gets a file of its own; the records of `record_rows` pages are appended to chunk files of
`CHUNK_PAGES` pages, each one JSON array of those pages' elements as they stand in the bodies
(creating a file costs this kind of disk more than writing a page into one). At the end one
warehouse transaction reads the spool in, deletes the window's rows from every other run and
records the load in `raw.load_log`. A run that crashes or is killed leaves the
warehouse as it was; staging reads only rows of successful loads.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import msgspec

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
    record_rows: bool = False

    @property
    def table(self) -> str:
        return f"{RAW_SCHEMA}.{self.vendor}__{self.name}"

    @property
    def records_sql(self) -> str:
        """SQL for the records of one raw row (`payload`), as one row each."""
        if self.record_rows:
            return "payload"
        return f"unnest(json_extract(payload, '{self.records_path}'))"


_ENDPOINTS: dict[tuple[str, str], Endpoint] = {}


def register_endpoint(
    vendor: str,
    name: str,
    records_path: str | None = None,
    known_keys: Iterable[str] = (),
    *,
    record_rows: bool = False,
) -> Endpoint:
    """Vendor modules declare their endpoints so every raw table exists before dbt runs."""
    endpoint = Endpoint(vendor, name, records_path, frozenset(known_keys), record_rows)
    _ENDPOINTS[(vendor, name)] = endpoint
    return endpoint


def registered_endpoints() -> list[Endpoint]:
    return list(_ENDPOINTS.values())


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# DuckDB's default (80% of RAM) lets a large window's commit keep gigabytes cached; landing
# streams, so a bounded buffer pool keeps a step's memory flat whatever the window. Not lower:
# at 512 MB the commit of 1,000,000 Kore records kept evicting and reloading blocks (6.5 s of
# its 17.1 s in the kernel, against 2.6 of 12.9 s at 1 GB; medians of three) to save 34 MB of
# peak RSS (523 against 557 MB).
LANDING_MEMORY_LIMIT = "1GB"
# A commit that would take the WAL past this size checkpoints as it commits, and DuckDB then
# skips writing its rows to the WAL. At the default (16 MB, compared with DuckDB's estimate of
# a commit, far below its real WAL) a window smaller than a row group went to the WAL as plain
# JSON (278 MB for 100,000 Kore records) and was written again, compressed, by the checkpoint
# at close. Small commits still go to the WAL: a checkpoint on every commit made 1,000
# single-row updates (the CQA push ledger's kind) 3.3 times slower.
CHECKPOINT_THRESHOLD = "1MB"


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        str(path),
        config={
            "memory_limit": LANDING_MEMORY_LIMIT,
            "checkpoint_threshold": CHECKPOINT_THRESHOLD,
        },
    )


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
            status varchar not null,          -- success or failed
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
    conn.execute(_quarantine_ddl(QUARANTINE))
    for endpoint in endpoints if endpoints is not None else registered_endpoints():
        if endpoint.record_rows:
            _migrate_to_record_rows(conn, endpoint)
        conn.execute(_raw_ddl(endpoint.table, record_rows=endpoint.record_rows))


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


def _migrate_to_record_rows(conn: duckdb.DuckDBPyConnection, endpoint: Endpoint) -> None:
    """A warehouse from before `record_rows` holds whole pages in this table: split them into
    one row per record, in one transaction. Records and envelopes then come out of DuckDB's
    JSON functions, so their whitespace is normalised; rows landed from now on keep the
    vendor's bytes."""
    schema, name = endpoint.table.split(".")
    columns = {
        column
        for (column,) in conn.execute(
            # duckdb_columns(), not information_schema: its first use in a process costs
            # 30 ms, a tenth of landing a small window.
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    if not columns or "page_envelope" in columns:
        return
    records_key = str(endpoint.records_path).removeprefix("$.").removesuffix("[*]")
    with _transaction(conn):
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


def _quarantine_ddl(table: str) -> str:
    return f"""
        create table if not exists {table} (
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


SPOOL_MAX_AGE_SECONDS = 24 * 3600
# read_json_objects refuses larger elements; far above any QA record, and a clear error if not.
MAX_RECORD_BYTES = 64 * 1024 * 1024
# Pages read into the warehouse per statement: a bounded batch keeps the commit's memory flat.
COMMIT_BATCH_PAGES = 128
# Pages of records per chunk file: few enough files that creating them costs little, enough of
# them per statement (COMMIT_BATCH_PAGES / CHUNK_PAGES) that DuckDB reads several in parallel.
CHUNK_PAGES = 16
_QUARANTINE_LINES = "quarantine.ndjson"


@contextlib.contextmanager
def _transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
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


def prune_spools(spool_root: Path, max_age_seconds: float = SPOOL_MAX_AGE_SECONDS) -> None:
    """Remove spools left by killed runs (a finished load always removes its own)."""
    if not spool_root.is_dir():
        return
    cutoff = time.time() - max_age_seconds
    for entry in spool_root.iterdir():
        if entry.stat().st_mtime < cutoff:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


_RECORD_LIST = msgspec.json.Decoder(list[msgspec.Raw])


@dataclass(frozen=True)
class SplitPage:
    """A page taken apart by its client: `records_json` is the JSON array of its records
    exactly as it stands in the body (a slice of the body's bytes, not a copy), `count` how
    many elements that array holds, `envelope` the JSON of the page's other top-level keys."""

    envelope: str
    records_json: msgspec.Raw | bytes
    count: int

    @property
    def records(self) -> list[msgspec.Raw]:
        """Each record's bytes, exactly as they stand in the body."""
        return _RECORD_LIST.decode(self.records_json)


@dataclass
class WindowLoad:
    """Lands one endpoint's pages for one window in one run; see the module docstring.

    `add_page`, `quarantine` and `carry_forward` only touch the spool; `commit` or `fail`
    (given a warehouse connection) is the one moment the warehouse is written."""

    endpoint: Endpoint
    window: Window
    run_id: str
    spool_dir: Path
    pages: int = 0
    records: int = 0
    quarantined: int = 0
    # Set when the window had records and this load found none: the previous load is kept.
    emptied_from: int | None = None
    _carry: list[tuple[str, list[Any]]] = field(default_factory=list, repr=False)
    _spool_path: Path = field(init=False, repr=False)
    _open: bool = field(init=False, default=True, repr=False)
    # (body or chunk file name, page number, request JSON, page envelope JSON or None,
    # extracted at, elements in the chunk file or None for a page stored whole) of each page.
    _page_meta: list[tuple[str, int, str, str | None, datetime, int | None]] = field(
        init=False, default_factory=list, repr=False
    )
    # The chunk file being filled, and how many pages and elements it holds so far.
    _chunk: BinaryIO | None = field(init=False, default=None, repr=False)
    _chunk_pages: int = field(init=False, default=0, repr=False)
    _chunk_elements: int = field(init=False, default=0, repr=False)
    _started_at: datetime = field(init=False, repr=False)
    # A client may request its next page on a worker thread, whose invalid bodies are
    # quarantined while this thread spools the page before: spool writes take turns.
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._started_at = utc_now()
        # The spool is a directory of this load alone: page bodies (or chunks of records) as
        # received, and one line per quarantined item. It holds nothing in memory; DuckDB reads
        # the files in parallel at commit, the one time the JSON is stored.
        self._spool_path = self.spool_dir.resolve() / (
            f"{self.endpoint.vendor}__{self.endpoint.name}__"
            f"{self.window.start:%Y%m%dT%H%M%S}__{uuid.uuid4().hex}"
        )
        self._spool_path.mkdir(parents=True)

    def _keys(self) -> list[Any]:
        return [self.endpoint.vendor, self.endpoint.name, self.window.start]

    def _spool_file(self, name: str) -> Path:
        if not self._open:
            raise RuntimeError(f"{self.endpoint.table} {self.window.label}: load already ended")
        return self._spool_path / name

    def _append_line(self, name: str, row: dict[str, Any]) -> None:
        line = json.dumps(row, default=str) + "\n"
        with self._lock, self._spool_file(name).open("a", encoding="utf-8") as out:
            out.write(line)

    def add_page(
        self,
        page_number: int,
        payload: str | bytes,
        *,
        records: int,
        request: dict[str, Any],
        split: SplitPage | None = None,
    ) -> None:
        """Store one page's body exactly as received; `records` counts its usable records.
        Bytes are written as they are (the client checked they are UTF-8 JSON); text is
        written as UTF-8. An endpoint of `record_rows` stores the page's `split` instead:
        its records' JSON array as it stands in the body, one raw row each at commit."""
        if self.endpoint.record_rows and split is None:
            raise ValueError(
                f"{self.endpoint.table} stores one row per record: page {page_number} of "
                f"{self.window.label} came without its records split out"
            )
        request_text = json.dumps(request, sort_keys=True)
        if self.endpoint.record_rows and split is not None:
            with self._lock:
                chunk = self._append_to_chunk(page_number, split)
                self._page_meta.append(
                    (chunk, page_number, request_text, split.envelope, utc_now(), split.count)
                )
                self.pages += 1
                self.records += records
            return
        stored: str | bytes = payload
        with self._lock:
            # Named by arrival, not page number: an endpoint may land several bodies per page.
            body_file = self._spool_file(f"{self.pages:09d}.json")
            if isinstance(stored, str):
                body_file.write_text(stored, encoding="utf-8", newline="")
            else:
                body_file.write_bytes(stored)
            self._page_meta.append(
                (body_file.name, page_number, request_text, None, utc_now(), None)
            )
            self.pages += 1
            self.records += records

    def _append_to_chunk(self, page_number: int, split: SplitPage) -> str:
        """Append the page's elements to the chunk file being filled (the caller holds the
        lock); return that file's name. The elements keep the bytes they have in the body: only
        the array's brackets are left out, and a comma joins them to the elements before."""
        array = memoryview(split.records_json)
        if len(array) < 2 or array[0] != ord("[") or array[-1] != ord("]"):
            raise ValueError(
                f"{self.endpoint.table}: the records of page {page_number} of "
                f"{self.window.label} are not a JSON array as it stands in the body"
            )
        if self._chunk is None:
            self._chunk = self._spool_file(f"chunk-{len(self._page_meta):09d}.json").open("wb")
            self._chunk.write(b"[")
        if split.count:
            if self._chunk_elements:
                self._chunk.write(b",")
            self._chunk.write(array[1:-1])
        self._chunk_pages += 1
        self._chunk_elements += split.count
        name = Path(self._chunk.name).name
        if self._chunk_pages == CHUNK_PAGES:
            self._finish_chunk()
        return name

    def _finish_chunk(self) -> None:
        if self._chunk is not None:
            self._chunk.write(b"]")
            self._chunk.close()
        self._chunk, self._chunk_pages, self._chunk_elements = None, 0, 0

    def carry_forward(self, select_rowids_sql: str, params: list[Any], *, records: int) -> None:
        """Copy earlier rows of this endpoint into this run's window unchanged (payload and
        extraction time kept): data that is still current needs no new request.

        `select_rowids_sql` selects the `rowid`s of the rows to copy from the endpoint's raw
        table; it runs inside the commit transaction, where rowids are stable."""
        self._carry.append((select_rowids_sql, params))
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
        self._append_line(
            _QUARANTINE_LINES,
            {
                "quarantine_id": str(uuid.uuid4()),
                "run_id": self.run_id,
                "vendor": self.endpoint.vendor,
                "endpoint": self.endpoint.name,
                "window_start": self.window.start.isoformat(),
                "window_end": self.window.end.isoformat(),
                "page_number": page_number,
                "record_key": record_key,
                "reason": reason,
                "body": body,
                "quarantined_at": utc_now().isoformat(),
            },
        )
        with self._lock:
            self.quarantined += 1

    def commit(
        self, conn: duckdb.DuckDBPyConnection, *, requests: int = 0, retries: int = 0
    ) -> None:
        """Make this run's pages the window's only rows, atomically. A window that had records
        and now has none is more likely a vendor outage or a changed filter than a day that
        emptied: then the previous load is kept and the load is recorded as failed."""
        self._close(conn)
        with _transaction(conn):
            previous = self._previous_records(conn)
            if self.records == 0 and previous:
                self.emptied_from = previous
                self._insert_quarantine(conn)
                self._log(
                    conn,
                    "failed",
                    requests,
                    retries,
                    f"window went empty (had {previous} records); previous load kept",
                )
            else:
                self._replace_window(conn)
                self._log(conn, "success", requests, retries, None)

    def fail(
        self, conn: duckdb.DuckDBPyConnection, error: str, *, requests: int = 0, retries: int = 0
    ) -> None:
        """Record the failure and keep what was quarantined; the window keeps the rows of its
        last successful load."""
        self._close(conn)
        with _transaction(conn):
            self._insert_quarantine(conn)
            self._log(conn, "failed", requests, retries, error)

    def discard(self) -> None:
        """Remove the spool; safe to call more than once."""
        self._open = False
        with self._lock:
            self._finish_chunk()
        shutil.rmtree(self._spool_path, ignore_errors=True)

    def _close(self, conn: duckdb.DuckDBPyConnection) -> None:
        # No page may be added once the commit starts; a failed commit may still be recorded
        # with `fail`, which reads the same spool.
        ensure_raw_schema(conn, [self.endpoint])
        with self._lock:
            self._open = False
            self._finish_chunk()

    def _insert_pages(self, conn: duckdb.DuckDBPyConnection) -> None:
        if self.endpoint.record_rows:
            self._insert_chunks(conn)
            return
        for first in range(0, len(self._page_meta), COMMIT_BATCH_PAGES):
            batch = self._page_meta[first : first + COMMIT_BATCH_PAGES]
            names, page_numbers, requests, _, extracted, _ = (
                list(column) for column in zip(*batch, strict=True)
            )
            conn.execute(
                f"""
                insert into {self.endpoint.table}
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
                    *self._keys(),
                    self.window.end,
                    self.run_id,
                    [str(self._spool_path / name) for name in names],
                    names,
                    page_numbers,
                    requests,
                    extracted,
                ],
            )

    def _insert_chunks(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Each chunk file is a JSON array of its pages' elements, page after page;
        `read_json_objects` yields each element's text exactly as it stands in the file, and
        DuckDB keeps a scan's rows in file order (its documented order preservation), so an
        element's position says which page it came from."""
        chunks = [
            (name, list(pages))
            for name, pages in itertools.groupby(self._page_meta, key=lambda meta: meta[0])
        ]
        per_statement = COMMIT_BATCH_PAGES // CHUNK_PAGES
        for first in range(0, len(chunks), per_statement):
            files = [name for name, _ in chunks[first : first + per_statement]]
            batch = [meta for _, pages in chunks[first : first + per_statement] for meta in pages]
            last_ordinals = list(itertools.accumulate(meta[5] or 0 for meta in batch))
            inserted = conn.execute(
                f"""
                insert into {self.endpoint.table}
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
                    *self._keys(),
                    self.window.end,
                    self.run_id,
                    [str(self._spool_path / name) for name in files],
                    last_ordinals,
                    [meta[5] for meta in batch],
                    [meta[1] for meta in batch],
                    [meta[2] for meta in batch],
                    [meta[3] for meta in batch],
                    [meta[4] for meta in batch],
                ],
            ).fetchone()
            expected = last_ordinals[-1] if last_ordinals else 0
            if inserted is None or inserted[0] != expected:
                raise RuntimeError(
                    f"{self.endpoint.table} {self.window.label}: the spool's chunk files "
                    f"{files[0]} to {files[-1]} gave {inserted and inserted[0]} records where "
                    f"their pages held {expected}"
                )

    def _insert_quarantine(self, conn: duckdb.DuckDBPyConnection) -> None:
        if self.quarantined == 0:
            return
        conn.execute(
            f"""
            insert into {QUARANTINE}
            select * from read_json(
                ?,
                format = 'newline_delimited',
                columns = {{
                    quarantine_id: 'varchar', run_id: 'varchar', vendor: 'varchar',
                    endpoint: 'varchar', window_start: 'timestamp', window_end: 'timestamp',
                    page_number: 'integer', record_key: 'varchar', reason: 'varchar',
                    body: 'varchar', quarantined_at: 'timestamp'
                }}
            )
            """,
            [str(self._spool_path / _QUARANTINE_LINES)],
        )

    def _replace_window(self, conn: duckdb.DuckDBPyConnection) -> None:
        table = self.endpoint.table
        # Carried rows are copied before the window's older rows are deleted: they may be
        # among them.
        for select_rowids_sql, params in self._carry:
            conn.execute(
                f"""
                insert into {table} by name
                select * replace (? as window_start, ? as window_end, ? as run_id)
                from {table}
                where rowid in ({select_rowids_sql})
                """,
                [self.window.start, self.window.end, self.run_id, *params],
            )
        window_match = "vendor = ? and endpoint = ? and window_start = ?"
        for target in (table, QUARANTINE):
            conn.execute(
                f"delete from {target} where {window_match} and run_id <> ?",
                [*self._keys(), self.run_id],
            )
        self._insert_pages(conn)
        self._insert_quarantine(conn)

    def _previous_records(self, conn: duckdb.DuckDBPyConnection) -> int | None:
        row = conn.execute(
            f"""
            select records from {LOAD_LOG}
            where vendor = ? and endpoint = ? and window_start = ? and status = 'success'
              and run_id <> ?
            order by finished_at desc limit 1
            """,
            [*self._keys(), self.run_id],
        ).fetchone()
        return None if row is None else row[0]

    def _log(
        self,
        conn: duckdb.DuckDBPyConnection,
        status: str,
        requests: int,
        retries: int,
        error: str | None,
    ) -> None:
        conn.execute(
            f"""
            insert or replace into {LOAD_LOG}
                (run_id, vendor, endpoint, window_start, window_end, status, pages, records,
                 quarantined, requests, retries, started_at, finished_at, error)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                self.run_id,
                *self._keys(),
                self.window.end,
                status,
                self.pages,
                self.records,
                self.quarantined,
                requests,
                retries,
                self._started_at,
                utc_now(),
                error,
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
