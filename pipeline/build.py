"""Where the environment enters: settings are read and validated here, and only here."""

from __future__ import annotations

import os

from dagster import (
    AssetSelection,
    Definitions,
    EnvVar,
    define_asset_job,
    in_process_executor,
)
from dagster_duckdb import DuckDBResource
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.kore.assets import RAWDATA_KEY, build_kore_assets
from pipeline.kore.resources import KoreResource
from pipeline.lib.dbt import build_dbt_assets, dbt_cli
from pipeline.lib.partitions import daily_partitions
from pipeline.lib.publish_asset import AnalyticsResource, build_publish_asset
from pipeline.lib.settings import WarehouseSettings, enabled_vendors

RAW_JOBS = {"kore": "kore_raw"}
BUILD_JOB = "build_and_publish"


class KoreTuning(BaseSettings):
    """Kore knobs that are not secrets, with the vendor's documented defaults."""

    model_config = SettingsConfigDict(env_prefix="KORE_", extra="ignore")

    include_below_threshold: bool = False
    page_size: int = 100
    max_pages: int = 1000
    requests_per_minute: int = 60
    max_attempts: int = 6
    backoff_initial_seconds: float = 0.5
    timeout_seconds: float = 30.0


def build_defs() -> Definitions:
    settings = WarehouseSettings().absolute()
    # dbt runs in its own working directory and reads the warehouse path from this variable.
    os.environ["QA_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.analytics_path.parent.mkdir(parents=True, exist_ok=True)
    enabled_vendors()  # a half-configured vendor fails here, naming the missing variable

    partitions = daily_partitions(settings.partitions_start)
    kore_assets = build_kore_assets(partitions)
    dbt_assets = build_dbt_assets()
    publish = build_publish_asset(dbt_assets)
    kore = KoreTuning()

    return Definitions(
        assets=[*kore_assets, dbt_assets, publish],
        jobs=[
            define_asset_job(
                RAW_JOBS["kore"],
                selection=AssetSelection.assets(RAWDATA_KEY),
                partitions_def=partitions,
            ),
            define_asset_job(BUILD_JOB, selection=AssetSelection.assets(dbt_assets, publish)),
        ],
        resources={
            "duckdb": DuckDBResource(database=str(settings.warehouse_path)),
            "dbt": dbt_cli(),
            "analytics": AnalyticsResource(
                warehouse_path=str(settings.warehouse_path),
                analytics_path=str(settings.analytics_path),
            ),
            "kore": KoreResource(
                base_url=EnvVar("KORE_BASE_URL"),
                stream_id=EnvVar("KORE_STREAM_ID"),
                account_id=EnvVar("KORE_ACCOUNT_ID"),
                org_id=EnvVar("KORE_ORG_ID"),
                client_id=EnvVar("KORE_CLIENT_ID"),
                client_secret=EnvVar("KORE_CLIENT_SECRET"),
                include_below_threshold=kore.include_below_threshold,
                page_size=kore.page_size,
                max_pages=kore.max_pages,
                requests_per_minute=kore.requests_per_minute,
                max_attempts=kore.max_attempts,
                backoff_initial_seconds=kore.backoff_initial_seconds,
                timeout_seconds=kore.timeout_seconds,
            ),
        },
        # One process writes the DuckDB file at a time; see the concurrency pools in README.
        executor=in_process_executor,
    )
