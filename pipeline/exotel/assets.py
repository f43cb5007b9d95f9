"""ExoVoiceAnalyze raw assets: insights requested for the calls of the inbox, and the results
Exotel posted to the receiver, landed from its journal."""

from datetime import timedelta
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipeline.exotel.client import ExotelClient
from pipeline.exotel.resources import ExotelResource
from pipeline.exotel.submit import ExotelSubmitter
from pipeline.exotel.webhooks import WEBHOOKS, ExotelWebhooks
from pipeline.lib.conventions import table_metadata, vendor_asset_options
from pipeline.lib.receive.journal import Journal
from pipeline.lib.receive.land import land_deliveries
from pipeline.lib.submit.asset import (
    OVERDUE,
    run_submissions,
    submission_check_specs,
    submissions_asset,
    table_schema_of,
)
from pipeline.lib.submit.submitter import Inbox
from pipeline.lib.warehouse import WarehouseResource

ENDPOINTS = (WEBHOOKS,)
REQUESTS_KEY = AssetKey(["raw", "exotel", "requests"])
UNMATCHED = "no_unmatched_deliveries"

COMMON = vendor_asset_options("exotel")


def _submitter(exotel: ExotelResource, client: ExotelClient) -> ExotelSubmitter:
    return ExotelSubmitter(client, timedelta(hours=exotel.result_timeout_hours))


def build_exotel_assets(journal_path: Path, inbox_settle_seconds: float) -> list[AssetsDefinition]:
    exotel_requests = submissions_asset(
        "exotel",
        REQUESTS_KEY,
        ExotelClient,
        _submitter,
        inbox=lambda exotel: Inbox(Path(exotel.inbox_path), inbox_settle_seconds),
        poll=False,
        description=(
            "ExoVoiceAnalyze asked for the insights of each new call of the inbox, one request "
            "each, recorded in raw.submissions before it is sent; its callback URL carries the "
            "request's task and a signature the receiver checks."
        ),
    )

    @asset(
        key=WEBHOOKS.asset_key,
        deps=[REQUESTS_KEY],
        check_specs=[
            *submission_check_specs(WEBHOOKS.asset_key, [OVERDUE]),
            AssetCheckSpec(
                UNMATCHED,
                asset=WEBHOOKS.asset_key,
                description="Authenticated deliveries that name no request of ours (kept in "
                "raw.quarantine, tried again by every landing).",
            ),
        ],
        description=(
            "What Exotel posted to the webhook receiver, moved from its journal into "
            f"{WEBHOOKS.table} exactly as received, once per job; requests still without a "
            "result after EXOTEL_RESULT_TIMEOUT_HOURS are failed."
        ),
        **COMMON,
    )
    def exotel_webhooks(
        context: AssetExecutionContext, exotel: ExotelResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        with Journal(journal_path) as journal:
            landed = land_deliveries(
                duckdb.get_connection,
                journal,
                ExotelWebhooks(exotel.webhook_secret),
                context.run_id,
            )
            waiting_unmatched = journal.counts("exotel").get("unmatched", 0)
        if landed["unmatched"]:
            context.log.warning(
                f"exotel: {landed['unmatched']} deliveries name no request of ours; "
                "see raw.quarantine"
            )
        with ExotelClient(exotel) as client:
            polled = run_submissions(
                context, duckdb, _submitter(exotel, client), None, submit=False
            )
        with duckdb.get_connection() as conn:
            rows = conn.execute(f"select count(*) from {WEBHOOKS.table}").fetchone()[0]
        metadata = {
            **(polled.metadata or {}),
            # This asset's table is the deliveries', not the ledger it checks for timeouts.
            **table_metadata(
                table_name=WEBHOOKS.table,
                row_count=rows,
                column_schema=table_schema_of(duckdb, WEBHOOKS.table),
            ),
            **{f"deliveries_{k}": MetadataValue.int(v) for k, v in sorted(landed.items())},
        }
        return MaterializeResult(
            metadata=metadata,
            check_results=[
                *(polled.check_results or []),
                AssetCheckResult(
                    check_name=UNMATCHED,
                    passed=waiting_unmatched == 0,
                    severity=AssetCheckSeverity.WARN,
                    metadata={"unmatched": MetadataValue.int(waiting_unmatched)},
                ),
            ],
        )

    return [exotel_requests, exotel_webhooks]
