"""What every vendor's raw asset does for each partition: land the window, report, fail loudly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dagster import (
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from pipeline.lib.conventions import table_metadata
from pipeline.lib.http import AuthenticationError, VendorHttp, VendorHTTPError
from pipeline.lib.pull import checks
from pipeline.lib.pull.commit import LoadOutcome
from pipeline.lib.pull.land import land_window
from pipeline.lib.pull.pages import PageSource
from pipeline.lib.pull.spool import WindowSpool, prune_spools
from pipeline.lib.raw_schema import Endpoint, table_schema
from pipeline.lib.redaction import reason_of
from pipeline.lib.warehouse import WarehouseResource
from pipeline.lib.windows import Window


def materialize_windows(
    context: AssetExecutionContext,
    duckdb: WarehouseResource,
    endpoint: Endpoint,
    http: VendorHttp,
    pages_for: Callable[[Window], PageSource],
    *,
    windows: list[Window] | None = None,
    before_for: Callable[[Window], Callable[[WindowSpool], None] | None] | None = None,
    extra_metadata: Callable[[], dict[str, Any]] | None = None,
) -> MaterializeResult:
    """Land each window (by default one per partition). A failed window does not stop the
    others, except a credential error, which would fail the same way for every one."""
    if windows is None:
        windows = [Window.for_day(key) for key in context.partition_keys]
    totals = {"pages": 0, "records": 0, "quarantined": 0}
    failures: list[str] = []
    loads: list[LoadOutcome] = []
    spool_root = duckdb.spool_root()
    prune_spools(spool_root)
    for window in windows:
        try:
            load = land_window(
                duckdb.get_connection,
                endpoint,
                window,
                context.run_id,
                pages_for(window),
                http,
                spool_root,
                before=before_for(window) if before_for else None,
            )
        except AuthenticationError as exc:
            raise Failure(description=f"{endpoint.vendor} {window.label}: {exc}") from None
        except Exception as exc:
            # A day's failure is that day's alone: the other days still land.
            # Named, not quoted: an engine's error may quote the payload it could not read.
            reason = str(exc) if isinstance(exc, VendorHTTPError) else reason_of(exc)
            failures.append(
                f"{endpoint.vendor} {endpoint.name} {window.label}: {http.redactor.text(reason)}"
            )
            context.log.error(failures[-1])
            continue
        loads.append(load)
        totals["pages"] += load.pages
        totals["records"] += load.records
        totals["quarantined"] += load.quarantined
        context.log.info(
            f"{endpoint.vendor} {endpoint.name} {window.label}: {load.pages} pages, "
            f"{load.records} records, {load.quarantined} quarantined"
        )
        for warning in load.warnings:
            context.log.warning(warning)
    check_results = []
    if not failures:
        with duckdb.get_connection() as conn:
            check_results = checks.evaluate(conn, context.asset_key, endpoint, loads)
    with duckdb.get_connection() as conn:
        schema = table_schema(conn, endpoint.table)
    metadata: dict[str, Any] = {
        # Dagster's own keys: the UI shows them as the asset's table, rows and columns.
        **table_metadata(
            table_name=endpoint.table, row_count=totals["records"], column_schema=schema
        ),
        "window_start": MetadataValue.text(windows[0].start.isoformat()),
        "window_end": MetadataValue.text(windows[-1].end.isoformat()),
        **{name: MetadataValue.int(value) for name, value in totals.items() if name != "records"},
        "warnings": MetadataValue.json([w for load in loads for w in load.warnings]),
        **{name: MetadataValue.int(v) for name, v in http.stats.as_metadata().items()},
        **(extra_metadata() if extra_metadata else {}),
    }
    if failures:
        raise Failure(description="\n".join(failures), metadata=metadata)
    if totals["quarantined"]:
        context.log.warning(
            f"{endpoint.vendor}: {totals['quarantined']} pages or records quarantined; "
            "see raw.quarantine"
        )
    return MaterializeResult(metadata=metadata, check_results=check_results)
