"""Stream a vendor's pages for one window into the raw landing, the same way for every vendor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.lib.http import InvalidBodyHook, VendorHttp
from pipeline.lib.landing import Endpoint, SplitPage, WindowLoad
from pipeline.lib.windows import Window


@dataclass(frozen=True)
class BadRecord:
    """A record inside an otherwise good page that staging cannot use."""

    key: str | None
    reason: str
    body: str


@dataclass(frozen=True)
class Page:
    """One response page as received, plus what the client learned while checking it.

    `body` is stored as it is: bytes as received, or text where the client decoded it."""

    number: int
    body: str | bytes
    request: dict[str, Any]
    records: int
    bad_records: list[BadRecord] = field(default_factory=list)
    # The page taken apart, for an endpoint that lands one row per record.
    split: SplitPage | None = None


PageSource = Callable[[InvalidBodyHook], Iterable[Page]]
Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


def land_window(
    connect: Connect,
    endpoint: Endpoint,
    window: Window,
    run_id: str,
    pages: PageSource,
    http: VendorHttp,
    spool_dir: Path,
    before: Callable[[WindowLoad], None] | None = None,
) -> WindowLoad:
    """Land every page of `window`. The vendor is read into a spool; `connect` (which waits
    for the warehouse) is called only to commit. On failure the window keeps its last good
    load and the error (already redacted by the HTTP layer) is recorded and re-raised.
    `before` runs first, inside the load (e.g. to carry forward rows that need no request)."""
    requests_before, retries_before = http.stats.requests, http.stats.retries
    load = WindowLoad(endpoint, window, run_id, spool_dir)

    def quarantine_body(what: str, body: str, reason: str) -> None:
        load.quarantine(f"{what}: {reason}" if what else reason, body)

    def counts() -> dict[str, int]:
        return {
            "requests": http.stats.requests - requests_before,
            "retries": http.stats.retries - retries_before,
        }

    try:
        if before is not None:
            before(load)
        for page in pages(quarantine_body):
            load.add_page(
                page.number,
                page.body,
                records=page.records,
                request=page.request,
                split=page.split,
            )
            for bad in page.bad_records:
                load.quarantine(bad.reason, bad.body, page_number=page.number, record_key=bad.key)
        with connect() as conn:
            load.commit(conn, **counts())
    except BaseException as exc:
        error = http.redactor.text(f"{type(exc).__name__}: {exc}")
        try:
            with connect() as conn:
                load.fail(conn, error, **counts())
        except Exception as record_exc:
            # The original error matters more; say why it could not be recorded too.
            exc.add_note(f"the failure could not be recorded in raw.load_log: {record_exc}")
        raise
    finally:
        load.discard()
    return load
