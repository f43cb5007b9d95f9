"""EvaluAgent raw assets: evaluations by `published_at` day, their details, users and groups,
and (behind a setting) conversation analytics by `contact_date` day."""

from dagster import AssetsDefinition, PartitionsDefinition

from pipeline.evaluagent.client import EvaluAgentClient
from pipeline.lib.pull.details import Listing
from pipeline.lib.pull.factory import details_asset, pull_asset
from pipeline.lib.raw_schema import Endpoint

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
    assets = [
        pull_asset(
            "evaluagent",
            EVALUATIONS,
            EvaluAgentClient,
            EvaluAgentClient.evaluation_pages,
            partitions_def=partitions_def,
            description="Evaluations published in the UTC day (list pages with their contacts).",
        ),
        details_asset(
            "evaluagent",
            EVALUATION_LISTING,
            EVALUATION_DETAILS,
            EvaluAgentClient,
            lambda client: client.evaluation_detail,
            partitions_def=partitions_def,
            description=(
                "Line items, sections and feedback of the day's evaluations, fetched only for "
                "ids that are new or whose updated_at changed (detail calls have a daily limit)."
            ),
        ),
        pull_asset(
            "evaluagent",
            USERS,
            EvaluAgentClient,
            lambda client, _window, on_bad: client.user_pages(on_bad),
            description="Every EvaluAgent user (agents, evaluators), refreshed each run.",
        ),
        pull_asset(
            "evaluagent",
            GROUPS,
            EvaluAgentClient,
            lambda client, _window, on_bad: client.group_pages(on_bad),
            description="Every EvaluAgent group (teams), refreshed each run.",
        ),
    ]
    if analytics_enabled:
        assets.append(
            pull_asset(
                "evaluagent",
                CONVERSATIONS,
                EvaluAgentClient,
                EvaluAgentClient.analytics_pages,
                partitions_def=partitions_def,
                description=(
                    "Conversation analytics by contact_date (EVALUAGENT_ANALYTICS_ENABLED)."
                ),
            )
        )
    return assets
