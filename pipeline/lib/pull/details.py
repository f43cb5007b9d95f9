"""Details of listed records, fetched only when the listing says they changed.

A vendor lists a window's records (EvaluAgent's evaluations, CQA's analyses) and has a detail
endpoint for each. Detail calls are what a vendor's rate budget goes on (EvaluAgent counts
10,000 a day per endpoint; CQA 300 GETs a minute per tenant), and a window is pulled again
every day of its lookback. So each detail is fetched only when its id is new or when the
fields the listing shows of it (its signature: `updated_at`, a status, a score) differ from
those it had when its detail was last fetched; the others are carried into the window's new
load as they were, without a request. A re-run of an unchanged window makes no detail call.

The signature a detail was fetched for is kept in its raw row's `request` (`listed`), so the
comparison needs nothing of the detail's own shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from pipeline.lib.http import ClientRequestError, InvalidBodyHook, VendorHttp
from pipeline.lib.in_flight import in_order
from pipeline.lib.pull.asset import materialize_windows
from pipeline.lib.pull.pages import Page
from pipeline.lib.pull.spool import WindowSpool
from pipeline.lib.raw_schema import Endpoint, ensure_raw_schema, landed_values, successful_rows
from pipeline.lib.warehouse import WarehouseResource
from pipeline.lib.windows import Window


@dataclass(frozen=True)
class Listing:
    """Where a detail endpoint's ids come from: the records of a listing endpoint's pages
    (`records_path`), each one's id (`id_path`) and its signature (`signature` paths)."""

    endpoint: Endpoint
    records_path: str
    id_path: str
    signature: tuple[str, ...]


@dataclass
class DetailPlan:
    # (id, the listed signature it is fetched for)
    to_fetch: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    carry_ids: list[str] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return len(self.to_fetch)

    @property
    def skipped(self) -> int:
        return len(self.carry_ids)


def plan_details(
    conn: duckdb.DuckDBPyConnection, listing: Listing, details: Endpoint, window: Window
) -> DetailPlan:
    """Which ids of the window's last listing need their detail fetched, and which are
    carried as they are."""
    ensure_raw_schema(conn, [listing.endpoint, details])
    listed: dict[str, dict[str, Any]] = {}
    rows = landed_values(
        conn, listing.endpoint, window, listing.records_path, [listing.id_path, *listing.signature]
    )
    # `order by all`: an id listed twice keeps its last signature in that order, every run.
    for record_id, *values in rows:
        if record_id is not None:
            listed[record_id] = dict(zip(listing.signature, values, strict=True))
    have = {
        record_id: json.loads(signature) if signature else None
        for record_id, signature in conn.execute(
            f"select id, listed from ({_latest_details(details)})"
        ).fetchall()
    }
    plan = DetailPlan()
    for record_id, signature in sorted(listed.items()):
        if record_id in have and have[record_id] == signature:
            plan.carry_ids.append(record_id)
        else:
            plan.to_fetch.append((record_id, signature))
    return plan


def _latest_details(details: Endpoint) -> str:
    """The newest successfully landed detail of every id, with its rowid and the signature
    it was fetched for."""
    return f"""
        select pages.rowid as row_id, pages.request ->> '$.id' as id,
               pages.request -> '$.listed' as listed
        from {successful_rows(details.table)}
        where id is not null
        qualify row_number() over (partition by id order by pages.extracted_at desc) = 1
    """


def carry_forward(plan: DetailPlan, details: Endpoint) -> Callable[[WindowSpool], None]:
    """The load's first step: the unchanged details, copied into the window's new load."""

    def before(spool: WindowSpool) -> None:
        if plan.carry_ids:
            # Selected again by id when the load commits: rowids are only stable inside one
            # transaction, and the plan was made in an earlier one.
            spool.carry_forward(
                f"select row_id from ({_latest_details(details)}) "
                "where id in (select unnest(?::varchar[]))",
                [plan.carry_ids],
                records=plan.skipped,
            )

    return before


# (id, page number, hook) -> the detail as a page. A body that is not the document the
# vendor promised is quarantined by the client and raises `MalformedBodyError`: the window
# fails and keeps its previous load, rather than land without that detail.
FetchDetail = Callable[[str, int, InvalidBodyHook], Page]


@dataclass
class _Fetched:
    """One detail's outcome, taken on a worker thread and handled on the landing's: the
    bodies it quarantined (in the order the client met them), then its page or its error."""

    quarantined: list[tuple[str, str, str]]
    page: Page | None = None
    error: BaseException | None = None


def detail_pages(
    plan: DetailPlan, fetch: FetchDetail, on_invalid_body: InvalidBodyHook, at_once: int = 1
) -> Iterator[Page]:
    """The details to fetch, each landed with the id and signature it was fetched for, up to
    `at_once` requests in flight (the vendor's `<PREFIX>CONCURRENCY`) and landed in the
    plan's order whatever order they answer in. A listed id whose detail is gone (404) is
    quarantined and the others go on."""

    def fetch_one(item: tuple[int, tuple[str, dict[str, Any]]]) -> _Fetched:
        number, (record_id, _) = item
        outcome = _Fetched(quarantined=[])
        try:
            outcome.page = fetch(record_id, number, lambda *bad: outcome.quarantined.append(bad))
        except Exception as exc:  # handed to the landing's thread, raised there
            outcome.error = exc
        return outcome

    work = enumerate(plan.to_fetch, start=1)
    for (record_id, signature), outcome in zip(
        plan.to_fetch, in_order(fetch_one, work, at_once, "details"), strict=True
    ):
        for bad in outcome.quarantined:
            on_invalid_body(*bad)
        if isinstance(outcome.error, ClientRequestError) and outcome.error.status == 404:
            # Listed but gone (deleted between the two calls): kept, with the reason.
            on_invalid_body(record_id, str(outcome.error), "listed but not found (404)")
            continue
        if outcome.error is not None:
            raise outcome.error
        assert outcome.page is not None
        page = outcome.page
        yield replace(page, request={**page.request, "id": record_id, "listed": signature})


def materialize_details(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    listing: Listing,
    details: Endpoint,
    http: VendorHttp,
    fetch: FetchDetail,
) -> MaterializeResult:
    """What a detail asset does per partition: plan, carry the unchanged, fetch the rest."""
    plans: dict[Window, DetailPlan] = {}

    def plan_for(window: Window) -> DetailPlan:
        with warehouse.get_connection() as conn:
            plans[window] = plan_details(conn, listing, details, window)
        return plans[window]

    def counts() -> dict[str, MetadataValue]:
        return {
            "details_fetched": MetadataValue.int(sum(p.fetched for p in plans.values())),
            "details_skipped": MetadataValue.int(sum(p.skipped for p in plans.values())),
        }

    return materialize_windows(
        context,
        warehouse,
        details,
        http,
        lambda window: lambda on_bad: detail_pages(plans[window], fetch, on_bad, http.concurrency),
        before_for=lambda window: carry_forward(plan_for(window), details),
        extra_metadata=counts,
    )
