"""What every vendor's submissions asset does: submit the inbox, poll, report, check."""

from __future__ import annotations

from collections import Counter

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
)

from pipeline.lib.submit import ledger
from pipeline.lib.submit.flow import Inbox, SubmissionRun, Submitter
from pipeline.lib.warehouse import WarehouseResource

IN_DOUBT = "no_submissions_in_doubt"
OVERDUE = "no_overdue_submissions"


def submission_check_specs(key: AssetKey) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(
            IN_DOUBT,
            asset=key,
            description="Submissions whose create request may or may not have reached the "
            "vendor. They are never sent again by themselves: check the vendor, then "
            "`qa-warehouse resubmit` what it does not have.",
        ),
        AssetCheckSpec(
            OVERDUE,
            asset=key,
            description="Submissions that had no result within the vendor's result timeout "
            "and were marked failed in this run.",
        ),
    ]


def run_submissions(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    submitter: Submitter,
    inbox: Inbox | None,
) -> MaterializeResult:
    """Submit what is new in `inbox`, poll what is unfinished, and report both."""
    run = SubmissionRun(
        warehouse.get_connection,
        warehouse.beside(f".{submitter.vendor}-submissions.lock"),
        submitter,
        context.run_id,
    )
    counts: Counter[str] = run.run(inbox)
    with warehouse.get_connection() as conn:
        by_status = {
            status: n
            for (vendor, status), n in ledger.counts_by_status(conn).items()
            if vendor == submitter.vendor
        }
    in_doubt = by_status.get("in_doubt", 0)
    if counts["rejected"]:
        context.log.warning(
            f"{submitter.vendor}: {counts['rejected']} inbox rows rejected; see raw.quarantine"
        )
    if in_doubt:
        context.log.warning(
            f"{submitter.vendor}: {in_doubt} submissions in doubt; see `qa-warehouse status`"
        )
    return MaterializeResult(
        metadata={
            **{name: MetadataValue.int(value) for name, value in sorted(counts.items())},
            "ledger": MetadataValue.json(by_status),
        },
        check_results=[
            AssetCheckResult(
                check_name=IN_DOUBT,
                passed=in_doubt == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"in_doubt": MetadataValue.int(in_doubt)},
            ),
            AssetCheckResult(
                check_name=OVERDUE,
                passed=counts["timed_out"] == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"timed_out": MetadataValue.int(counts["timed_out"])},
            ),
        ],
    )
