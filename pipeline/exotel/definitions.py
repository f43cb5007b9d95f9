"""ExoVoiceAnalyze's Dagster definitions: requests and landing as one job each hour, and a
sensor that lands deliveries (and builds the marts they feed) as the receiver takes them."""

from dagster import AssetSelection, Definitions, define_asset_job

from pipeline.exotel.assets import REQUESTS_KEY, build_exotel_assets
from pipeline.exotel.webhooks import WEBHOOKS
from pipeline.lib.receive.sensor import deliveries_sensor
from pipeline.lib.schedules import once_schedule
from pipeline.lib.vendor import VendorContext

SYNC_JOB = "exotel_sync"
LAND_JOB = "exotel_land"


def exotel_definitions(ctx: VendorContext) -> Definitions:
    return Definitions(
        assets=build_exotel_assets(
            ctx.warehouse.webhook_journal(), ctx.warehouse.inbox_settle_seconds
        ),
        jobs=[
            define_asset_job(
                SYNC_JOB, selection=AssetSelection.assets(REQUESTS_KEY, WEBHOOKS.asset_key)
            ),
            # The deliveries landed, and every model (and the publish) fed by them or by
            # the requests' ledger, without sending requests.
            define_asset_job(
                LAND_JOB,
                selection=AssetSelection.assets(WEBHOOKS.asset_key).downstream()
                | (
                    AssetSelection.assets(REQUESTS_KEY).downstream()
                    - AssetSelection.assets(REQUESTS_KEY)
                ),
            ),
        ],
        schedules=[
            once_schedule(
                "exotel_sync_hourly",
                SYNC_JOB,
                "25 * * * *",
                "Ask ExoVoiceAnalyze for the insights of new inbox calls, land the webhooks "
                "received, fail requests past their result timeout.",
            )
        ],
        sensors=[
            deliveries_sensor(
                name="exotel_deliveries",
                vendor="exotel",
                job_name=LAND_JOB,
                journal_path=ctx.warehouse.webhook_journal(),
                description=(
                    "Lands what the webhook receiver took from Exotel, and builds the marts "
                    "it feeds; the cursor is the newest delivery a run was started for."
                ),
            )
        ],
        resources={"exotel": ctx.resource},
    )
