"""Kore's Dagster definitions: the rawdata asset, its daily job and schedule."""

from dagster import AssetSelection, Definitions, define_asset_job

from pipeline.kore.assets import RAWDATA, build_kore_assets
from pipeline.lib.schedules import deep_schedule, raw_schedule
from pipeline.lib.vendor import VendorContext

DAILY_JOB = "kore_raw"


def kore_definitions(ctx: VendorContext) -> Definitions:
    return Definitions(
        assets=build_kore_assets(ctx.partitions),
        jobs=[
            define_asset_job(
                DAILY_JOB,
                selection=AssetSelection.assets(RAWDATA.asset_key),
            )
        ],
        schedules=[raw_schedule("kore", DAILY_JOB, ctx), deep_schedule("kore", DAILY_JOB, ctx)],
        resources={"kore": ctx.resource},
    )
