"""Stream a vendor's pages for one window into the raw landing, the same way for every vendor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipeline.lib.http import InvalidBodyHook, VendorHttp
from pipeline.lib.landing import Endpoint, WindowLoad
from pipeline.lib.windows import Window


@dataclass(frozen=True)
class BadRecord:
    """A record inside an otherwise good page that staging cannot use."""

    key: str | None
    reason: str
    body: str


@dataclass(frozen=True)
class Page:
    """One response page as received, plus what the client learned while checking it."""

    number: int
    text: str
    request: dict[str, Any]
    records: int
    bad_records: list[BadRecord] = field(default_factory=list)


PageSource = Callable[[InvalidBodyHook], Iterable[Page]]


def land_window(
    conn: duckdb.DuckDBPyConnection,
    endpoint: Endpoint,
    window: Window,
    run_id: str,
    pages: PageSource,
    http: VendorHttp,
    before: Callable[[WindowLoad], None] | None = None,
) -> WindowLoad:
    """Land every page of `window`; on failure the window keeps its last good load and the
    error (already redacted by the HTTP layer) is logged and re-raised. `before` runs first,
    inside the load (e.g. to carry forward rows that need no new request)."""
    requests_before, retries_before = http.stats.requests, http.stats.retries
    load = WindowLoad(conn, endpoint, window, run_id)

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
            load.add_page(page.number, page.text, records=page.records, request=page.request)
            for bad in page.bad_records:
                load.quarantine(bad.reason, bad.body, page_number=page.number, record_key=bad.key)
        previous = load.previous_records()
        if load.records == 0 and previous:
            # A window that had records and now has none is more likely a vendor outage or a
            # changed filter than a day that emptied: keep the previous load, flag it.
            load.emptied_from = previous
            load.fail(f"window went empty (had {previous} records); previous load kept", **counts())
            return load
        load.finish(**counts())
    except BaseException as exc:
        load.fail(http.redactor.text(f"{type(exc).__name__}: {exc}"), **counts())
        raise
    return load
