"""Exotel CQA raw assets: the day's analyses (List Analyses), then each one's full breakdown
and its interaction. Re-pulling a window picks up QA reviews that arrived since."""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    PartitionsDefinition,
    asset,
)

from pipeline.cqa.client import CqaClient
from pipeline.cqa.resources import CqaResource
from pipeline.cqa.submit import CqaSubmitter
from pipeline.lib.conventions import vendor_asset_options
from pipeline.lib.pull.asset import materialize_windows
from pipeline.lib.pull.checks import raw_check_specs
from pipeline.lib.pull.details import Listing, materialize_details
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.asset import run_submissions, submission_check_specs
from pipeline.lib.submit.flow import Inbox
from pipeline.lib.warehouse import WarehouseResource

ANALYSES = Endpoint(
    "cqa",
    "analyses",
    "$.data.analyses[*]",
    frozenset(
        {
            "analysis_id",
            "interaction_id",
            "external_interaction_id",
            "profile_id",
            "status",
            "ai_score",
            "qa_score",
            "final_score",
            "criticality_adjusted_score",
            "metadata",
            "created_at",
        }
    ),
)
ANALYSIS_DETAILS = Endpoint("cqa", "analysis_details")
INTERACTIONS = Endpoint("cqa", "interactions")
ENDPOINTS = (ANALYSES, ANALYSIS_DETAILS, INTERACTIONS)
SUBMISSIONS_KEY = AssetKey(["raw", "cqa", "submissions"])


# What the list shows of an analysis: its detail (and its interaction) are fetched again only
# when these changed, e.g. a QA review arrived (pipeline/lib/pull/details.py).
SIGNATURE = ("$.status", "$.ai_score", "$.qa_score", "$.final_score")
ANALYSIS_LISTING = Listing(ANALYSES, "$.data.analyses[*]", "$.analysis_id", SIGNATURE)
INTERACTION_LISTING = Listing(ANALYSES, "$.data.analyses[*]", "$.interaction_id", SIGNATURE)


def build_cqa_assets(
    partitions_def: PartitionsDefinition, inbox_settle_seconds: float
) -> list[AssetsDefinition]:
    common = {
        "partitions_def": partitions_def,
        "backfill_policy": BackfillPolicy.multi_run(max_partitions_per_run=7),
        **vendor_asset_options("cqa"),
    }

    @asset(
        key=ANALYSES.asset_key,
        description="CQA List Analyses pages for the UTC day.",
        check_specs=raw_check_specs(ANALYSES.asset_key, ANALYSES),
        **common,
    )
    def cqa_analyses(
        context: AssetExecutionContext, cqa: CqaResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = cqa.client()
        try:
            return materialize_windows(
                context,
                duckdb,
                ANALYSES,
                client.http,
                lambda window: lambda on_bad: client.analysis_pages(window, on_bad),
            )
        finally:
            client.close()

    def per_listed(endpoint: Endpoint, listing: Listing, fetch_name: str, description: str):
        @asset(
            key=endpoint.asset_key,
            deps=[ANALYSES.asset_key],
            description=description,
            check_specs=raw_check_specs(endpoint.asset_key, endpoint),
            **common,
        )
        def _detail(
            context: AssetExecutionContext, cqa: CqaResource, duckdb: WarehouseResource
        ) -> MaterializeResult:
            client: CqaClient = cqa.client()
            try:
                return materialize_details(
                    context, duckdb, listing, endpoint, client.http, getattr(client, fetch_name)
                )
            finally:
                client.close()

        return _detail

    @asset(
        key=SUBMISSIONS_KEY,
        **vendor_asset_options("cqa"),
        check_specs=submission_check_specs(SUBMISSIONS_KEY),
        description=(
            "Interactions from the inbox pushed to CQA in batches of at most 100, each recorded "
            "in raw.submissions before it is sent; batch jobs tracked and unfinished "
            "interactions polled each run."
        ),
    )
    def cqa_submissions(
        context: AssetExecutionContext, cqa: CqaResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = cqa.client()
        try:
            return run_submissions(
                context,
                duckdb,
                CqaSubmitter(client, cqa.column_mapping),
                Inbox(Path(cqa.inbox_path), inbox_settle_seconds),
            )
        finally:
            client.close()

    return [
        cqa_submissions,
        cqa_analyses,
        per_listed(
            ANALYSIS_DETAILS,
            ANALYSIS_LISTING,
            "analysis_detail",
            "Each listed analysis in full: categories, sub-categories, KPIs, QA overrides.",
        ),
        per_listed(
            INTERACTIONS,
            INTERACTION_LISTING,
            "interaction",
            "Each listed analysis's interaction: channel, status, failure reason, metadata.",
        ),
    ]
