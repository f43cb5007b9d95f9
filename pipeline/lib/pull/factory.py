"""The raw assets of a pull vendor, made from its client and the pages its client yields: the
one place a raw asset opens a client (and closes it however the work ends), so that a
vendor's `assets.py` says only which endpoint, which pages, and what they are."""

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    BetaWarning,
    MaterializeResult,
    PartitionsDefinition,
    asset,
)

from pipeline.lib.conventions import vendor_asset_options
from pipeline.lib.http import InvalidBodyHook, VendorClient
from pipeline.lib.pull.asset import materialize_windows
from pipeline.lib.pull.checks import raw_check_specs
from pipeline.lib.pull.details import FetchDetail, Listing, materialize_details
from pipeline.lib.pull.pages import Page
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.windows import SNAPSHOT, Window

# (the vendor's settings) -> its client; (client, window, the hook for bad bodies) -> pages.
ClientOf = Callable[[Any], VendorClient]
PagesOf = Callable[[Any, Window, InvalidBodyHook], Iterable[Page]]

# A backfill of a partitioned raw asset runs a week of days per run.
DAYS_PER_RUN = 7


def _options(vendor: str, partitions_def: PartitionsDefinition | None) -> dict[str, Any]:
    options: dict[str, Any] = {**vendor_asset_options(vendor)}
    if partitions_def is not None:
        options["partitions_def"] = partitions_def
        options["backfill_policy"] = BackfillPolicy.multi_run(max_partitions_per_run=DAYS_PER_RUN)
    return options


def _asset(**options: Any) -> Callable[[Callable[..., Any]], AssetsDefinition]:
    """`@asset`, without the BetaWarning Dagster gives every use of `backfill_policy`: we
    chose multi-run backfills knowingly (DECISIONLOG, "Warnings a person never sees")."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        return asset(**options)


def pull_asset(
    vendor: str,
    endpoint: Endpoint,
    client: ClientOf,
    pages: PagesOf,
    *,
    description: str,
    partitions_def: PartitionsDefinition | None = None,
    deps: Sequence[AssetKey] = (),
) -> AssetsDefinition:
    """A raw asset landing `endpoint` from the pages `pages` yields: one window per daily
    partition, or with no `partitions_def` one snapshot per run (a list refreshed whole). The
    vendor's settings are its resource, keyed by its name."""

    @_asset(
        key=endpoint.asset_key,
        description=description,
        check_specs=raw_check_specs(endpoint.asset_key, endpoint),
        required_resource_keys={vendor, "duckdb"},
        deps=list(deps),
        **_options(vendor, partitions_def),
    )
    def _pull(context: AssetExecutionContext) -> MaterializeResult:
        with client(getattr(context.resources, vendor)) as opened:
            return materialize_windows(
                context,
                context.resources.duckdb,
                endpoint,
                opened.http,
                lambda window: lambda on_bad: pages(opened, window, on_bad),
                windows=None if partitions_def is not None else [SNAPSHOT],
            )

    return _pull


def details_asset(
    vendor: str,
    listing: Listing,
    endpoint: Endpoint,
    client: ClientOf,
    fetch: Callable[[Any], FetchDetail],
    *,
    description: str,
    partitions_def: PartitionsDefinition,
) -> AssetsDefinition:
    """A raw asset of the details of what `listing` listed, fetched (`fetch(client)`) only for
    ids new or changed since their detail was last fetched (`details.py`)."""

    @_asset(
        key=endpoint.asset_key,
        description=description,
        check_specs=raw_check_specs(endpoint.asset_key, endpoint),
        required_resource_keys={vendor, "duckdb"},
        deps=[listing.endpoint.asset_key],
        **_options(vendor, partitions_def),
    )
    def _details(context: AssetExecutionContext) -> MaterializeResult:
        with client(getattr(context.resources, vendor)) as opened:
            return materialize_details(
                context, context.resources.duckdb, listing, endpoint, opened.http, fetch(opened)
            )

    return _details
