"""What every vendor's submissions asset does: submit the inbox, poll, report, check."""

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    TableSchema,
    asset,
)

from pipeline.lib.conventions import table_metadata, vendor_asset_options
from pipeline.lib.http import VendorClient
from pipeline.lib.raw_schema import table_schema
from pipeline.lib.submit import ledger
from pipeline.lib.submit.flow import SubmissionRun
from pipeline.lib.submit.submitter import Inbox, Submitter
from pipeline.lib.warehouse import WarehouseResource

IN_DOUBT = "no_submissions_in_doubt"
OVERDUE = "no_overdue_submissions"


_DESCRIPTIONS = {
    IN_DOUBT: "Submissions whose create request may or may not have reached the vendor. "
    "They are never sent again by themselves: check the vendor, then `qa-warehouse "
    "resubmit` what it does not have.",
    OVERDUE: "Submissions that had no result within the vendor's result timeout and were "
    "marked failed in this run.",
}


def submission_check_specs(
    key: AssetKey, checks: Sequence[str] = (IN_DOUBT, OVERDUE)
) -> list[AssetCheckSpec]:
    """The checks of an asset that submits (`in doubt`), polls (`overdue`), or both."""
    return [AssetCheckSpec(name, asset=key, description=_DESCRIPTIONS[name]) for name in checks]


def table_schema_of(warehouse: WarehouseResource, table: str) -> TableSchema:
    with warehouse.get_connection() as conn:
        return table_schema(conn, table)


def run_submissions(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    submitter: Submitter,
    inbox: Inbox | None,
    *,
    submit: bool = True,
    poll: bool = True,
) -> MaterializeResult:
    """Submit what is new in `inbox` and poll what is unfinished (or only one of the two),
    and report it."""
    run = SubmissionRun(
        warehouse.get_connection,
        warehouse.beside(f".{submitter.vendor}-submissions.lock"),
        submitter,
        context.run_id,
    )
    if submit and poll:
        counts: Counter[str] = run.run(inbox)
    elif submit:
        counts = run.submit(inbox)
    else:
        counts = run.poll()
    for problem in run.problems:
        context.log.warning(f"{submitter.vendor}: {problem}")
    # The table this asset writes: the ledger when it submits, else the answers it keeps.
    table = ledger.LEDGER if submit or submitter.results is None else submitter.results.table
    with warehouse.get_connection() as conn:
        by_status = {
            status: n
            for (vendor, status), n in ledger.counts_by_status(conn).items()
            if vendor == submitter.vendor
        }
        rows = (
            sum(by_status.values())
            if table == ledger.LEDGER
            else conn.execute(f"select count(*) from {table}").fetchone()[0]
        )
    in_doubt = by_status.get("in_doubt", 0)
    if counts["rejected"]:
        context.log.warning(
            f"{submitter.vendor}: {counts['rejected']} inbox rows rejected; see raw.quarantine"
        )
    if in_doubt:
        context.log.warning(
            f"{submitter.vendor}: {in_doubt} submissions in doubt; see `qa-warehouse status`"
        )
    results = []
    if submit:
        results.append(
            AssetCheckResult(
                check_name=IN_DOUBT,
                passed=in_doubt == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"in_doubt": MetadataValue.int(in_doubt)},
            )
        )
    if poll:
        results.append(
            AssetCheckResult(
                check_name=OVERDUE,
                passed=counts["timed_out"] == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"timed_out": MetadataValue.int(counts["timed_out"])},
            )
        )
    return MaterializeResult(
        metadata={
            **table_metadata(
                table_name=table,
                row_count=rows,
                column_schema=table_schema_of(warehouse, table),
            ),
            **{name: MetadataValue.int(value) for name, value in sorted(counts.items())},
            "ledger": MetadataValue.json(by_status),
        },
        check_results=results,
    )


def submissions_asset(
    vendor: str,
    key: AssetKey,
    client: Callable[[Any], VendorClient],
    submitter: Callable[[Any, Any], Submitter],
    *,
    description: str,
    inbox: Callable[[Any], Inbox] | None = None,
    submit: bool = True,
    poll: bool = True,
    deps: Sequence[AssetKey] = (),
) -> AssetsDefinition:
    """A vendor's asset that submits what is new in its inbox (`inbox(settings)`), polls what
    is unfinished, or both, through the `submitter(settings, client)` of its vendor. The
    vendor's settings are its resource, keyed by its name."""
    checks = ([IN_DOUBT] if submit else []) + ([OVERDUE] if poll else [])

    @asset(
        key=key,
        description=description,
        check_specs=submission_check_specs(key, checks),
        required_resource_keys={vendor, "duckdb"},
        deps=list(deps),
        **vendor_asset_options(vendor),
    )
    def _submissions(context: AssetExecutionContext) -> MaterializeResult:
        settings = getattr(context.resources, vendor)
        with client(settings) as opened:
            return run_submissions(
                context,
                context.resources.duckdb,
                submitter(settings, opened),
                inbox(settings) if inbox is not None and submit else None,
                submit=submit,
                poll=poll,
            )

    return _submissions
