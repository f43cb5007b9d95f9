"""Where the environment enters: settings are read and validated here, and only here."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import (
    AssetSelection,
    Definitions,
    EnvVar,
    build_sensor_for_freshness_checks,
    build_time_partition_freshness_checks,
    define_asset_job,
    in_process_executor,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.cqa.assets import ANALYSES, build_cqa_assets
from pipeline.cqa.resources import CqaResource
from pipeline.cqa.sensors import build_cqa_finished_sensor
from pipeline.evaluagent.assets import EVALUATIONS, GROUPS, USERS, build_evaluagent_assets
from pipeline.evaluagent.resources import EvaluAgentResource
from pipeline.kore.assets import RAWDATA_KEY, build_kore_assets
from pipeline.kore.resources import KoreResource
from pipeline.lib.dbt import build_dbt_assets, dbt_cli
from pipeline.lib.http import use_shared_rate_state
from pipeline.lib.partitions import daily_partitions
from pipeline.lib.publish_asset import AnalyticsResource, build_publish_asset
from pipeline.lib.raw_asset import raw_asset_key
from pipeline.lib.schedules import BUILD_CRON, once_schedule, raw_schedule
from pipeline.lib.settings import WarehouseSettings, enabled_vendors
from pipeline.lib.warehouse import WarehouseResource

# Per vendor: the job run once per run (whole-list endpoints, pushes), and the job per UTC day.
ONCE_PER_RUN_JOBS = {"evaluagent": "evaluagent_directory", "cqa": "cqa_push"}
RAW_JOBS = {"kore": "kore_raw", "evaluagent": "evaluagent_raw", "cqa": "cqa_raw"}
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


class CqaTuning(BaseSettings):
    """CQA knobs that are not secrets; defaults are the documented per-tenant limits."""

    model_config = SettingsConfigDict(env_prefix="CQA_", extra="ignore")

    get_requests_per_minute: int = 300
    post_requests_per_minute: int = 100
    max_pages: int = 200
    max_attempts: int = 6
    backoff_initial_seconds: float = 0.5
    timeout_seconds: float = 30.0
    inbox_path: Path = Path("data/cqa_inbox")
    column_mapping: dict[str, str] = {}


class EvaluAgentTuning(BaseSettings):
    """EvaluAgent knobs that are not secrets."""

    model_config = SettingsConfigDict(env_prefix="EVALUAGENT_", extra="ignore")

    region: str = "eu"
    base_url: str | None = None
    requests_per_minute: int = 100
    max_pages: int = 2000
    max_attempts: int = 6
    backoff_initial_seconds: float = 0.5
    timeout_seconds: float = 30.0
    analytics_enabled: bool = False
    analytics_path: str = "analytics/conversations"
    analytics_integration: str | None = None


def build_defs() -> Definitions:
    settings = WarehouseSettings().absolute()
    # dbt runs in its own working directory and reads the warehouse path from this variable.
    os.environ["QA_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    settings.analytics_path.parent.mkdir(parents=True, exist_ok=True)
    enabled_vendors()  # a half-configured vendor fails here, naming the missing variable
    use_shared_rate_state(settings.rate_state())

    kore = KoreTuning()
    evaluagent = EvaluAgentTuning()
    cqa = CqaTuning()
    partitions = daily_partitions(settings.partitions_start)
    kore_assets = build_kore_assets(partitions)
    evaluagent_assets = build_evaluagent_assets(
        partitions, analytics_enabled=evaluagent.analytics_enabled
    )
    cqa_assets = build_cqa_assets(partitions)
    dbt_assets = build_dbt_assets()
    publish = build_publish_asset(dbt_assets)
    evaluagent_daily = [
        a.key
        for a in evaluagent_assets
        if a.key not in (raw_asset_key(USERS), raw_asset_key(GROUPS))
    ]

    # Freshness per vendor: yesterday's partition of its main endpoint is in by 06:00 UTC
    # (partition checks rather than FreshnessPolicy: DECISIONLOG, "Freshness of a vendor's days").
    freshness = build_time_partition_freshness_checks(
        assets=[RAWDATA_KEY, raw_asset_key(EVALUATIONS), raw_asset_key(ANALYSES)],
        deadline_cron="0 6 * * *",
        timezone="UTC",
    )

    return Definitions(
        assets=[*kore_assets, *evaluagent_assets, *cqa_assets, dbt_assets, publish],
        asset_checks=freshness,
        jobs=[
            define_asset_job(
                RAW_JOBS["kore"],
                selection=AssetSelection.assets(RAWDATA_KEY),
                partitions_def=partitions,
            ),
            define_asset_job(
                RAW_JOBS["evaluagent"],
                selection=AssetSelection.assets(*evaluagent_daily),
                partitions_def=partitions,
            ),
            define_asset_job(
                ONCE_PER_RUN_JOBS["evaluagent"],
                selection=AssetSelection.assets(raw_asset_key(USERS), raw_asset_key(GROUPS)),
            ),
            define_asset_job(
                RAW_JOBS["cqa"],
                selection=AssetSelection.assets(*[a.key for a in cqa_assets if a.partitions_def]),
                partitions_def=partitions,
            ),
            define_asset_job(
                ONCE_PER_RUN_JOBS["cqa"],
                selection=AssetSelection.assets(
                    *[a.key for a in cqa_assets if not a.partitions_def]
                ),
            ),
            define_asset_job(BUILD_JOB, selection=AssetSelection.assets(dbt_assets, publish)),
        ],
        resources={
            "duckdb": WarehouseResource(
                database=str(settings.warehouse_path),
                lock_timeout_seconds=settings.warehouse_lock_timeout_seconds,
            ),
            "dbt": dbt_cli(),
            "analytics": AnalyticsResource(
                warehouse_path=str(settings.warehouse_path),
                analytics_path=str(settings.analytics_path),
            ),
            # Secrets and account ids as EnvVars (the UI shows names, never values); the
            # non-secret knobs, already validated by the *Tuning settings, as plain values.
            "kore": KoreResource(
                base_url=EnvVar("KORE_BASE_URL"),
                stream_id=EnvVar("KORE_STREAM_ID"),
                account_id=EnvVar("KORE_ACCOUNT_ID"),
                org_id=EnvVar("KORE_ORG_ID"),
                client_id=EnvVar("KORE_CLIENT_ID"),
                client_secret=EnvVar("KORE_CLIENT_SECRET"),
                **kore.model_dump(),
            ),
            "evaluagent": EvaluAgentResource(
                access_key_id=EnvVar("EVALUAGENT_ACCESS_KEY_ID"),
                secret_key=EnvVar("EVALUAGENT_SECRET_KEY"),
                **evaluagent.model_dump(exclude={"analytics_enabled"}),
            ),
            "cqa": CqaResource(
                base_url=EnvVar("CQA_BASE_URL"),
                account_id=EnvVar("CQA_ACCOUNT_ID"),
                api_key=EnvVar("CQA_API_KEY"),
                **cqa.model_dump(exclude={"inbox_path"}),
                inbox_path=str(cqa.inbox_path.expanduser().resolve()),
            ),
        },
        schedules=[
            *[
                raw_schedule(vendor, job, slot, settings.lookback_days, settings.partitions_start)
                for slot, (vendor, job) in enumerate(RAW_JOBS.items())
            ],
            once_schedule(
                "evaluagent_directory_daily",
                ONCE_PER_RUN_JOBS["evaluagent"],
                "50 0 * * *",
                "EvaluAgent users and groups, refreshed before the day's pull.",
            ),
            once_schedule(
                "cqa_push_hourly",
                ONCE_PER_RUN_JOBS["cqa"],
                "5 * * * *",
                "Push new inbox files to CQA, track batch jobs, poll pending interactions.",
            ),
            once_schedule(
                "build_and_publish_daily",
                BUILD_JOB,
                BUILD_CRON,
                "dbt build of every model and the analyst publish, after the day's pulls.",
            ),
        ],
        sensors=[
            build_sensor_for_freshness_checks(
                freshness_checks=freshness, name="vendor_freshness_checks"
            ),
            build_cqa_finished_sensor(RAW_JOBS["cqa"], str(settings.warehouse_path), partitions),
        ],
        # One process writes the DuckDB file at a time; see the concurrency pools in README.
        executor=in_process_executor,
    )
