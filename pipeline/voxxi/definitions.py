"""Voxxi's Dagster definitions: submit, poll and agents as one job run each hour, and a
sensor that builds the marts downstream when submitted calls finish."""

from datetime import date, datetime

from dagster import AssetSelection, Definitions, RunRequest, define_asset_job

from pipeline.lib.schedules import once_schedule
from pipeline.lib.submit.sensor import finished_submissions_sensor
from pipeline.lib.vendor import VendorContext
from pipeline.voxxi.assets import AGENTS, CALL_ANALYSES, SUBMISSIONS_KEY, build_voxxi_assets

SYNC_JOB = "voxxi_sync"
MARTS_JOB = "voxxi_marts"


def voxxi_definitions(ctx: VendorContext) -> Definitions:
    def build_again(newest: datetime, days: list[date]) -> list[RunRequest]:
        return [RunRequest(run_key=f"voxxi-finished-{newest.isoformat()}")]

    return Definitions(
        assets=build_voxxi_assets(ctx.warehouse.inbox_settle_seconds),
        jobs=[
            define_asset_job(
                SYNC_JOB,
                selection=AssetSelection.assets(
                    SUBMISSIONS_KEY, CALL_ANALYSES.asset_key, AGENTS.asset_key
                ),
            ),
            # The models fed by the analyses or the ledger (and the publish), not the vendor
            # itself.
            define_asset_job(
                MARTS_JOB,
                selection=AssetSelection.assets(
                    CALL_ANALYSES.asset_key, SUBMISSIONS_KEY
                ).downstream()
                - AssetSelection.assets(CALL_ANALYSES.asset_key, SUBMISSIONS_KEY),
            ),
        ],
        schedules=[
            once_schedule(
                "voxxi_sync_hourly",
                SYNC_JOB,
                "15 * * * *",
                "Submit new inbox calls to Voxxi, poll unfinished analyses, refresh agents.",
            )
        ],
        sensors=[
            finished_submissions_sensor(
                name="voxxi_finished_calls",
                vendor="voxxi",
                job_name=MARTS_JOB,
                warehouse_path=str(ctx.warehouse.warehouse_path),
                requests_for=build_again,
                description=(
                    "Builds the marts fed by Voxxi's analyses when submitted calls complete "
                    "or fail; the cursor is the last ledger change handled."
                ),
            )
        ],
        resources={"voxxi": ctx.resource},
    )
