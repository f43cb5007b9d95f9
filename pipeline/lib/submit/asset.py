"""What every vendor's submissions asset does: submit the inbox, poll, report, check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    TableSchema,
)

from pipeline.lib.conventions import table_metadata
from pipeline.lib.raw_schema import table_schema
from pipeline.lib.submit import ledger
from pipeline.lib.submit.flow import Inbox, SubmissionRun, Submitter
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
