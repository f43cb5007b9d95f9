"""EvaluAgent's Dagster definitions: evaluations and their details by day, users and groups
once a run, their jobs and schedules."""

from dagster import AssetSelection, Definitions, define_asset_job

from pipeline.evaluagent.assets import GROUPS, USERS, build_evaluagent_assets
from pipeline.evaluagent.resources import EvaluAgentResource
from pipeline.lib.schedules import deep_schedule, once_schedule, raw_schedule
from pipeline.lib.vendor import VendorContext

DAILY_JOB = "evaluagent_raw"
DIRECTORY_JOB = "evaluagent_directory"


def evaluagent_definitions(ctx: VendorContext) -> Definitions:
    settings = ctx.settings
    assert isinstance(settings, EvaluAgentResource)
    assets = build_evaluagent_assets(ctx.partitions, analytics_enabled=settings.analytics_enabled)
    directory = [USERS.asset_key, GROUPS.asset_key]
    return Definitions(
        assets=assets,
        jobs=[
            define_asset_job(
                DAILY_JOB,
                selection=AssetSelection.assets(*[a.key for a in assets if a.key not in directory]),
            ),
            define_asset_job(DIRECTORY_JOB, selection=AssetSelection.assets(*directory)),
        ],
        schedules=[
            raw_schedule("evaluagent", DAILY_JOB, ctx),
            deep_schedule("evaluagent", DAILY_JOB, ctx),
            once_schedule(
                "evaluagent_directory_daily",
                DIRECTORY_JOB,
                "50 0 * * *",
                "EvaluAgent users and groups, refreshed before the day's pull.",
            ),
        ],
        resources={"evaluagent": ctx.resource},
    )
