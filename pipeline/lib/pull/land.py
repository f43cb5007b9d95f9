"""Stream a vendor's pages for one window into the raw landing, the same way for every vendor."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

import duckdb

from pipeline.lib.http import VendorHttp
from pipeline.lib.pull.commit import LoadOutcome, commit_window, fail_window
from pipeline.lib.pull.pages import Page, PageSource
from pipeline.lib.pull.spool import WindowSpool
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.redaction import reason_of
from pipeline.lib.windows import Window

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
log = logging.getLogger(__name__)


def spool_page(spool: WindowSpool, page: Page, redact: Callable[[str], str] = str) -> None:
    """One page into the spool: its body whole, or its records one row each. Bodies of bad
    records are quarantined through `redact`: a vendor may echo what it was sent."""
    if spool.endpoint.record_rows:
        if page.split is None:
            raise ValueError(
                f"{spool.endpoint.table} stores one row per record: page {page.number} of "
                f"{spool.window.label} came without its records split out"
            )
        spool.add_records(
            page.number,
            page.split.records_json,
            elements=page.split.count,
            envelope=page.split.envelope,
            records=page.records,
            request=page.request,
        )
    else:
        spool.add_page(page.number, page.body, records=page.records, request=page.request)
    spool.warnings.extend(redact(warning) for warning in page.warnings)
    for bad in page.bad_records:
        spool.quarantine(
            redact(bad.reason), redact(bad.body), page_number=page.number, record_key=bad.key
        )


# DuckDB's own lock, met when a process opened the warehouse behind the file lock's back (a
# reader started by hand): waited out a few times rather than losing a fetched window.
LOCKED_RETRIES = 5
LOCKED_WAIT_SECONDS = 2.0


@contextmanager
def _when_free(connect: Connect) -> Iterator[duckdb.DuckDBPyConnection]:
    for attempt in range(LOCKED_RETRIES + 1):
        stack = ExitStack()
        try:
            conn = stack.enter_context(connect())
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == LOCKED_RETRIES:
                raise
            log.warning("the warehouse is locked by another process (%s); waiting", exc)
            time.sleep(LOCKED_WAIT_SECONDS * (attempt + 1))
            continue
        with stack:
            yield conn
        return


def land_window(
    connect: Connect,
    endpoint: Endpoint,
    window: Window,
    run_id: str,
    pages: PageSource,
    http: VendorHttp,
    spool_dir: Path,
    before: Callable[[WindowSpool], None] | None = None,
) -> LoadOutcome:
    """Land every page of `window`. The vendor is read into a spool; `connect` (which waits
    for the warehouse) is called only to commit. On failure the window keeps its last good
    load and the error (already redacted by the HTTP layer) is recorded and re-raised.
    `before` runs first, inside the load (e.g. to carry forward rows that need no request)."""
    requests_before, retries_before = http.stats.requests, http.stats.retries
    escaped_before = http.stats.escaped_surrogates
    spool = WindowSpool(endpoint, window, run_id, spool_dir)

    redact = http.redactor.text

    def quarantine_body(what: str, body: str, reason: str) -> None:
        spool.quarantine(redact(f"{what}: {reason}" if what else reason), redact(body))

    def counts() -> dict[str, int]:
        return {
            "requests": http.stats.requests - requests_before,
            "retries": http.stats.retries - retries_before,
        }

    try:
        if before is not None:
            before(spool)
        for page in pages(quarantine_body):
            spool_page(spool, page, redact)
        escaped = http.stats.escaped_surrogates - escaped_before
        if escaped:
            spool.warnings.append(
                f"{endpoint.vendor} {endpoint.name} {window.label}: {escaped} lone surrogate "
                "escapes (half a character, which DuckDB cannot hold) stored as their text"
            )
        with _when_free(connect) as conn:
            return commit_window(conn, spool, **counts())
    except BaseException as exc:
        error = http.redactor.text(reason_of(exc))
        try:
            with _when_free(connect) as conn:
                fail_window(conn, spool, error, **counts())
        except Exception as record_exc:
            # The original error matters more; say why it could not be recorded too.
            exc.add_note(f"the failure could not be recorded in raw.load_log: {record_exc}")
        raise
    finally:
        spool.discard()
