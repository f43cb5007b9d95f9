"""CQA's Dagster definitions: analyses by day, the inbox push, their jobs, schedules and the
sensor that pulls a day again when pushed interactions finish."""

from datetime import date, datetime

from dagster import AssetSelection, Definitions, RunRequest, define_asset_job

from pipeline.cqa.assets import SUBMISSIONS_KEY, build_cqa_assets
from pipeline.lib.schedules import deep_schedule, once_schedule, raw_schedule
from pipeline.lib.submit.sensor import finished_submissions_sensor
from pipeline.lib.vendor import VendorContext

DAILY_JOB = "cqa_raw"
PUSH_JOB = "cqa_push"


def cqa_definitions(ctx: VendorContext) -> Definitions:
    assets = build_cqa_assets(ctx.partitions, ctx.warehouse.inbox_settle_seconds)
    partitions = ctx.partitions

    def pull_days_again(newest: datetime, days: list[date]) -> list[RunRequest]:
        # A day still in progress is not a partition yet; the daily pull will take it.
        existing = set(partitions.get_partition_keys())
        return [
            RunRequest(partition_key=key, run_key=f"cqa-finished-{key}-{newest.isoformat()}")
            for key in (day.isoformat() for day in days)
            if key in existing
        ]

    return Definitions(
        assets=assets,
        jobs=[
            define_asset_job(
                DAILY_JOB,
                selection=AssetSelection.assets(*[a.key for a in assets if a.partitions_def]),
            ),
            define_asset_job(PUSH_JOB, selection=AssetSelection.assets(SUBMISSIONS_KEY)),
        ],
        schedules=[
            raw_schedule("cqa", DAILY_JOB, ctx),
            deep_schedule("cqa", DAILY_JOB, ctx),
            once_schedule(
                "cqa_push_hourly",
                PUSH_JOB,
                "5 * * * *",
                "Push new inbox files to CQA, track batch jobs, poll pending interactions.",
            ),
        ],
        sensors=[
            finished_submissions_sensor(
                name="cqa_finished_interactions",
                vendor="cqa",
                job_name=DAILY_JOB,
                warehouse_path=str(ctx.warehouse.warehouse_path),
                requests_for=pull_days_again,
                description=(
                    "Requests the CQA day partition again when interactions pushed to CQA "
                    "complete or fail; the cursor is the last ledger change handled."
                ),
            )
        ],
        resources={"cqa": ctx.resource},
    )
