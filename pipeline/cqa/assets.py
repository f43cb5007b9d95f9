"""Exotel CQA raw assets: the day's analyses (List Analyses), then each one's full breakdown
and its interaction. Re-pulling a window picks up QA reviews that arrived since."""

from pathlib import Path

from dagster import AssetKey, AssetsDefinition, PartitionsDefinition

from pipeline.cqa.client import CqaClient
from pipeline.cqa.submit import CqaSubmitter
from pipeline.lib.pull.details import Listing
from pipeline.lib.pull.factory import details_asset, pull_asset
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.asset import submissions_asset
from pipeline.lib.submit.submitter import Inbox

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
    return [
        submissions_asset(
            "cqa",
            SUBMISSIONS_KEY,
            CqaClient,
            lambda cqa, client: CqaSubmitter(client, cqa.column_mapping),
            inbox=lambda cqa: Inbox(Path(cqa.inbox_path), inbox_settle_seconds),
            description=(
                "Interactions from the inbox pushed to CQA in batches of at most 100, each "
                "recorded in raw.submissions before it is sent; batch jobs tracked and "
                "unfinished interactions polled each run."
            ),
        ),
        pull_asset(
            "cqa",
            ANALYSES,
            CqaClient,
            CqaClient.analysis_pages,
            partitions_def=partitions_def,
            description="CQA List Analyses pages for the UTC day.",
        ),
        details_asset(
            "cqa",
            ANALYSIS_LISTING,
            ANALYSIS_DETAILS,
            CqaClient,
            lambda client: client.analysis_detail,
            partitions_def=partitions_def,
            description=(
                "Each listed analysis in full: categories, sub-categories, KPIs, QA overrides."
            ),
        ),
        details_asset(
            "cqa",
            INTERACTION_LISTING,
            INTERACTIONS,
            CqaClient,
            lambda client: client.interaction,
            partitions_def=partitions_def,
            description=(
                "Each listed analysis's interaction: channel, status, failure reason, metadata."
            ),
        ),
    ]
