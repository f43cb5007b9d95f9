"""A window's pages wait in a spool until the window commits.

While a window is read from the vendor its pages go to a spool: a directory of that load
alone, so memory stays flat however large the window and the warehouse is not held open
(DuckDB allows one writing process) while the vendor is slow. A page stored whole gets a file
of its own; the records of an endpoint of `record_rows` are appended to chunk files of
`CHUNK_PAGES` pages, each one JSON array of those pages' elements as they stand in the bodies
(creating a file costs this kind of disk more than writing a page into one). Items that could
not be used wait beside them as NDJSON lines. `commit.py` reads the spool into the warehouse.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from filelock import FileLock, Timeout

from pipeline.lib.raw_log import QuarantineItem
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.windows import Window, utc_now

SPOOL_MAX_AGE_SECONDS = 24 * 3600
# Pages of records per chunk file: few enough files that creating them costs little, enough of
# them per commit statement that DuckDB reads several in parallel.
CHUNK_PAGES = 16
QUARANTINE_LINES = "quarantine.ndjson"


OWNER_LOCK = ".owner.lock"


def prune_spools(spool_root: Path, max_age_seconds: float = SPOOL_MAX_AGE_SECONDS) -> None:
    """Remove spools left by killed runs (a finished load always removes its own). A spool
    whose load is alive holds its owner lock, however old it is (a window read slowly for
    hours), and is left alone; so is one another process is removing."""
    if not spool_root.is_dir():
        return
    cutoff = time.time() - max_age_seconds
    for entry in spool_root.iterdir():
        try:
            if entry.stat().st_mtime >= cutoff:
                continue
            if not entry.is_dir():
                entry.unlink(missing_ok=True)
                continue
            owner = FileLock(str(entry / OWNER_LOCK), thread_local=False)
            owner.acquire(timeout=0)
        except (FileNotFoundError, Timeout):
            # Gone already, or in use: a live load, or another pruner at work.
            continue
        try:
            shutil.rmtree(entry, ignore_errors=True)
        finally:
            owner.release()


@dataclass(frozen=True)
class SpooledPage:
    """Where one page waits: its file (a body, or the chunk holding its records), its number,
    request and envelope, when it was extracted, and how many elements it put in the chunk
    (None for a page stored whole)."""

    file: str
    number: int
    request: str
    envelope: str | None
    extracted_at: datetime
    elements: int | None


@dataclass
class WindowSpool:
    """One endpoint's pages for one window in one run, waiting for the commit.

    A client may request its next page on a worker thread, whose invalid bodies are
    quarantined while this thread spools the page before: spool writes take turns."""

    endpoint: Endpoint
    window: Window
    run_id: str
    spool_dir: Path
    pages: int = 0
    records: int = 0
    quarantined: int = 0
    spooled: list[SpooledPage] = field(default_factory=list, repr=False)
    # (SQL selecting rowids of earlier rows to copy into this load, its parameters).
    carried: list[tuple[str, list[Any]]] = field(default_factory=list, repr=False)
    # What the client noticed and did not trust enough to fail on (the load log keeps it).
    warnings: list[str] = field(default_factory=list)
    started_at: datetime = field(init=False, default_factory=utc_now)
    path: Path = field(init=False, repr=False)
    _open: bool = field(init=False, default=True, repr=False)
    _chunk: BinaryIO | None = field(init=False, default=None, repr=False)
    _chunk_pages: int = field(init=False, default=0, repr=False)
    _chunk_elements: int = field(init=False, default=0, repr=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)
    _owner: FileLock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.path = self.spool_dir.resolve() / (
            f"{self.endpoint.vendor}__{self.endpoint.name}__"
            f"{self.window.start:%Y%m%dT%H%M%S}__{uuid.uuid4().hex}"
        )
        # Pages of vendor data: the owner's alone.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path.mkdir(mode=0o700)
        # Held for as long as this load lives: `prune_spools` leaves a spool whose owner lives.
        self._owner = FileLock(str(self.path / OWNER_LOCK), thread_local=False)
        self._owner.acquire(timeout=0)

    def _file(self, name: str) -> Path:
        if not self._open:
            raise RuntimeError(f"{self.endpoint.table} {self.window.label}: load already ended")
        return self.path / name

    def add_page(
        self, page_number: int, body: str | bytes, *, records: int, request: dict[str, Any]
    ) -> None:
        """Store one page's body exactly as received; `records` counts its usable records.
        Bytes are written as they are (the client checked they are UTF-8 JSON); text is
        written as UTF-8."""
        if self.endpoint.record_rows:
            raise ValueError(
                f"{self.endpoint.table} stores one row per record: page {page_number} of "
                f"{self.window.label} came without its records split out"
            )
        request_text = json.dumps(request, sort_keys=True)
        with self._lock:
            # Named by arrival, not page number: an endpoint may land several bodies per page.
            body_file = self._file(f"{self.pages:09d}.json")
            if isinstance(body, str):
                body_file.write_text(body, encoding="utf-8", newline="")
            else:
                body_file.write_bytes(body)
            self.spooled.append(
                SpooledPage(body_file.name, page_number, request_text, None, utc_now(), None)
            )
            self.pages += 1
            self.records += records

    def add_records(
        self,
        page_number: int,
        records_json: bytes | memoryview,
        *,
        elements: int,
        envelope: str,
        records: int,
        request: dict[str, Any],
    ) -> None:
        """Store the JSON array of one page's records as it stands in the body, and the page's
        envelope; at commit each element becomes a raw row of its own."""
        request_text = json.dumps(request, sort_keys=True)
        with self._lock:
            chunk = self._append_to_chunk(page_number, records_json, elements)
            self.spooled.append(
                SpooledPage(chunk, page_number, request_text, envelope, utc_now(), elements)
            )
            self.pages += 1
            self.records += records

    def _append_to_chunk(
        self, page_number: int, records_json: bytes | memoryview, elements: int
    ) -> str:
        """Append the page's elements to the chunk file being filled (the caller holds the
        lock); return that file's name. The elements keep the bytes they have in the body: only
        the array's brackets are left out, and a comma joins them to the elements before."""
        array = memoryview(records_json)
        if len(array) < 2 or array[0] != ord("[") or array[-1] != ord("]"):
            raise ValueError(
                f"{self.endpoint.table}: the records of page {page_number} of "
                f"{self.window.label} are not a JSON array as it stands in the body"
            )
        if self._chunk is None:
            self._chunk = self._file(f"chunk-{len(self.spooled):09d}.json").open("wb")
            self._chunk.write(b"[")
        if elements:
            if self._chunk_elements:
                self._chunk.write(b",")
            self._chunk.write(array[1:-1])
        self._chunk_pages += 1
        self._chunk_elements += elements
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
        self.carried.append((select_rowids_sql, params))
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
        line = QuarantineItem(
            run_id=self.run_id,
            vendor=self.endpoint.vendor,
            endpoint=self.endpoint.name,
            reason=reason,
            body=body,
            window=self.window,
            page_number=page_number,
            record_key=record_key,
        ).json_line()
        with self._lock, self._file(QUARANTINE_LINES).open("a", encoding="utf-8") as out:
            out.write(line)
            self.quarantined += 1

    @property
    def quarantine_lines(self) -> Path:
        return self.path / QUARANTINE_LINES

    def close(self) -> None:
        """No page may be added once the commit starts; a failed commit may still be recorded,
        which reads the same spool."""
        with self._lock:
            self._open = False
            self._finish_chunk()

    def discard(self) -> None:
        """Remove the spool; safe to call more than once."""
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)
        self._owner.release()
