"""Where the environment enters: settings are read and validated here, and only here.

The core builds what every deployment has (the dbt models, the analyst publish, the build
schedule, the freshness checks of each vendor's main endpoint) and merges in the Definitions
of each enabled vendor. It names no vendor: they come from `pipeline/vendors.py`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Sequence

from dagster import (
    AssetsDefinition,
    AssetSelection,
    Definitions,
    SupersessionWarning,
    build_sensor_for_freshness_checks,
    build_time_partition_freshness_checks,
    define_asset_job,
    in_process_executor,
)

from pipeline.lib.alerts import build_run_failure_alerts
from pipeline.lib.dbt import build_dbt_assets, dbt_cli, source_specs
from pipeline.lib.http import use_shared_rate_state
from pipeline.lib.partitions import daily_partitions
from pipeline.lib.publish.asset import AnalyticsResource, build_publish_asset
from pipeline.lib.schedules import BUILD_CRON, once_schedule
from pipeline.lib.settings import WarehouseSettings, fixed_resource
from pipeline.lib.vendor import Vendor, VendorContext, dbt_vars
from pipeline.lib.warehouse import WarehouseResource
from pipeline.vendors import VENDORS

BUILD_JOB = "build_and_publish"
FRESHNESS_SENSOR = "vendor_freshness_checks"


@contextlib.contextmanager
def _superseded_knowingly() -> Iterator[None]:
    """The partition freshness checks Dagster calls superseded: kept on purpose (DECISIONLOG,
    "Freshness of a vendor's days"), so their warning is for nobody."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SupersessionWarning)
        yield


def build_defs(vendors: Sequence[Vendor] = VENDORS) -> Definitions:
    settings = WarehouseSettings().absolute()
    # dbt runs in its own working directory and reads the warehouse path from this variable.
    os.environ["QA_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.analytics_path.parent.mkdir(parents=True, exist_ok=True)
    use_shared_rate_state(settings.rate_state())

    partitions = daily_partitions(settings.partitions_start)
    # A half-configured vendor, or a value that does not validate, fails here naming the
    # variable; a vendor with none of its variables set is left out.
    enabled = [
        (slot, vendor) for slot, vendor in enumerate(vendors) if vendor.is_enabled(os.environ)
    ]
    vendor_defs = [
        vendor.definitions(
            VendorContext(vendor.settings.from_env(), partitions, settings, slot=slot)
        )
        for slot, vendor in enabled
    ]

    # Every vendor's raw tables exist before dbt runs, enabled or not: staging reads them all.
    dbt_assets = build_dbt_assets(
        [e for vendor in vendors for e in vendor.endpoints], dbt_vars(vendors)
    )
    publish = build_publish_asset(dbt_assets, {v.name: v.colour for v in vendors})
    # Freshness per vendor: yesterday's partition of its main endpoint is in by 06:00 UTC
    # (partition checks rather than FreshnessPolicy: DECISIONLOG, "Freshness of a vendor's days").
    fresh = [v.freshness.asset_key for _, v in enabled if v.freshness is not None]
    with _superseded_knowingly():
        freshness = (
            build_time_partition_freshness_checks(
                assets=fresh, deadline_cron="0 6 * * *", timezone="UTC"
            )
            if fresh
            else []
        )
        freshness_sensors = (
            [build_sensor_for_freshness_checks(freshness_checks=freshness, name=FRESHNESS_SENSOR)]
            if freshness
            else []
        )
    core = Definitions(
        assets=[dbt_assets, publish],
        asset_checks=freshness,
        jobs=[define_asset_job(BUILD_JOB, selection=AssetSelection.assets(dbt_assets, publish))],
        # Fixed, from the environment alone: run config can change no path and no command.
        resources={
            "duckdb": fixed_resource(
                WarehouseResource(
                    database=str(settings.warehouse_path),
                    lock_timeout_seconds=settings.warehouse_lock_timeout_seconds,
                ),
                "The warehouse (QA_WAREHOUSE_PATH), opened under its file lock.",
            ),
            "dbt": fixed_resource(dbt_cli(), "dbt on dbt_project/, the warehouse's models."),
            "analytics": fixed_resource(
                AnalyticsResource(
                    warehouse_path=str(settings.warehouse_path),
                    analytics_path=str(settings.analytics_path),
                    parquet_path=settings.parquet_path,
                ),
                "Where the analyst copy (QA_ANALYTICS_PATH) and the Parquet marts go.",
            ),
        },
        schedules=[
            once_schedule(
                "build_and_publish_daily",
                BUILD_JOB,
                BUILD_CRON,
                "dbt build of every model and the analyst publish, after the day's pulls.",
            )
        ],
        sensors=[
            build_run_failure_alerts(settings),
            *freshness_sensors,
        ],
        # One process writes the DuckDB file at a time (docs/operating.md, concurrency pools).
        executor=in_process_executor,
    )
    merged = Definitions.merge(core, *vendor_defs)
    written = {
        key
        for definition in [*core.assets, *(a for d in vendor_defs for a in d.assets or [])]  # type: ignore[union-attr]
        if isinstance(definition, AssetsDefinition)
        for key in definition.keys
    }
    return Definitions.merge(merged, Definitions(assets=source_specs(written)))
