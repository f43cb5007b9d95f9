"""EvaluAgent raw assets: evaluations by `published_at` day, their details, users and groups,
and (behind a setting) conversation analytics by `contact_date` day."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    PartitionsDefinition,
    asset,
)

from pipeline.evaluagent.resources import EvaluAgentResource
from pipeline.lib.conventions import vendor_asset_options
from pipeline.lib.pull.asset import materialize_windows
from pipeline.lib.pull.checks import raw_check_specs
from pipeline.lib.pull.details import Listing, materialize_details
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.warehouse import WarehouseResource
from pipeline.lib.windows import SNAPSHOT

EVALUATIONS = Endpoint(
    "evaluagent",
    "evaluations",
    "$.data[*].attributes",
    frozenset(
        {
            "reference",
            "status",
            "evaluation_type",
            "outcome",
            "score",
            "max_score",
            "auto_failed",
            "auto_fail_count",
            "published_at",
            "date_published",
            "created_at",
            "updated_at",
            "agent_name",
            "evaluator_name",
            "scorecard_id",
            "scorecard_name",
            "contact_reference",
        }
    ),
)
EVALUATION_DETAILS = Endpoint("evaluagent", "evaluation_details")
USERS = Endpoint("evaluagent", "users")
GROUPS = Endpoint("evaluagent", "groups")
CONVERSATIONS = Endpoint("evaluagent", "conversations")
ENDPOINTS = (EVALUATIONS, EVALUATION_DETAILS, USERS, GROUPS, CONVERSATIONS)
# A detail is fetched again only when the list shows a new `updated_at` (detail calls count
# against EvaluAgent's daily limit); see pipeline/lib/pull/details.py.
EVALUATION_LISTING = Listing(
    endpoint=EVALUATIONS,
    records_path="$.data[*]",
    id_path="$.id",
    signature=("$.attributes.updated_at",),
)


def build_evaluagent_assets(
    partitions_def: PartitionsDefinition, *, analytics_enabled: bool
) -> list[AssetsDefinition]:
    common = vendor_asset_options("evaluagent")
    partitioned = {
        **common,
        "partitions_def": partitions_def,
        "backfill_policy": BackfillPolicy.multi_run(max_partitions_per_run=7),
    }

    @asset(
        key=EVALUATIONS.asset_key,
        check_specs=raw_check_specs(EVALUATIONS.asset_key, EVALUATIONS),
        description="Evaluations published in the UTC day (list pages with their contacts).",
        **partitioned,
    )
    def evaluagent_evaluations(
        context: AssetExecutionContext, evaluagent: EvaluAgentResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = evaluagent.client()
        try:
            return materialize_windows(
                context,
                duckdb,
                EVALUATIONS,
                client.http,
                lambda window: lambda on_bad: client.evaluation_pages(window, on_bad),
            )
        finally:
            client.close()

    @asset(
        key=EVALUATION_DETAILS.asset_key,
        check_specs=raw_check_specs(EVALUATION_DETAILS.asset_key, EVALUATION_DETAILS),
        deps=[EVALUATIONS.asset_key],
        description=(
            "Line items, sections and feedback of the day's evaluations, fetched only for ids "
            "that are new or whose updated_at changed (detail calls have a daily limit)."
        ),
        **partitioned,
    )
    def evaluagent_evaluation_details(
        context: AssetExecutionContext, evaluagent: EvaluAgentResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = evaluagent.client()
        try:
            return materialize_details(
                context,
                duckdb,
                EVALUATION_LISTING,
                EVALUATION_DETAILS,
                client.http,
                client.evaluation_detail,
            )
        finally:
            client.close()

    def snapshot_asset(endpoint, description: str):
        @asset(
            key=endpoint.asset_key,
            description=description,
            check_specs=raw_check_specs(endpoint.asset_key, endpoint),
            **common,
        )
        def _snapshot(
            context: AssetExecutionContext,
            evaluagent: EvaluAgentResource,
            duckdb: WarehouseResource,
        ) -> MaterializeResult:
            client = evaluagent.client()
            pages = client.user_pages if endpoint is USERS else client.group_pages
            try:
                return materialize_windows(
                    context,
                    duckdb,
                    endpoint,
                    client.http,
                    lambda _window: pages,
                    windows=[SNAPSHOT],
                )
            finally:
                client.close()

        return _snapshot

    assets = [
        evaluagent_evaluations,
        evaluagent_evaluation_details,
        snapshot_asset(USERS, "Every EvaluAgent user (agents, evaluators), refreshed each run."),
        snapshot_asset(GROUPS, "Every EvaluAgent group (teams), refreshed each run."),
    ]

    if analytics_enabled:

        @asset(
            key=CONVERSATIONS.asset_key,
            check_specs=raw_check_specs(CONVERSATIONS.asset_key, CONVERSATIONS),
            description="Conversation analytics by contact_date (EVALUAGENT_ANALYTICS_ENABLED).",
            **partitioned,
        )
        def evaluagent_conversations(
            context: AssetExecutionContext,
            evaluagent: EvaluAgentResource,
            duckdb: WarehouseResource,
        ) -> MaterializeResult:
            if not evaluagent.analytics_integration:
                raise ValueError(
                    "EVALUAGENT_ANALYTICS_INTEGRATION is required by the conversations "
                    "endpoint (its `integration` parameter)"
                )
            client = evaluagent.client()
            try:
                return materialize_windows(
                    context,
                    duckdb,
                    CONVERSATIONS,
                    client.http,
                    lambda window: (
                        lambda on_bad: client.conversation_pages(
                            window,
                            evaluagent.analytics_path,
                            evaluagent.analytics_integration,
                            on_bad,
                        )
                    ),
                )
            finally:
                client.close()

        assets.append(evaluagent_conversations)
    return assets
