"""The warehouse's own settings, read from the environment where the Definitions are built,
and the one way they reach Dagster: as resources that run config cannot change.

A vendor's settings are declared by the vendor (`pipeline/lib/vendor.py`, `VendorSettings`).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from dagster import ResourceDefinition
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_WAREHOUSE_PATH = "data/warehouse.duckdb"
DEFAULT_ANALYTICS_PATH = "data/analytics.duckdb"


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path.expanduser()))


class WarehouseSettings(BaseSettings):
    """Where the warehouse lives and which days exist as partitions."""

    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    warehouse_path: Path = Path(DEFAULT_WAREHOUSE_PATH)
    analytics_path: Path = Path(DEFAULT_ANALYTICS_PATH)
    partitions_start: date = date(2025, 1, 1)
    lookback_days: int = Field(default=3, ge=0, le=90)
    warehouse_lock_timeout_seconds: float = Field(default=3600.0, gt=0)
    # Where vendor rate budgets are counted by every process; beside the warehouse by default.
    rate_state_path: Path | None = None
    # A weekly re-pull of this many days catches what vendors change weeks later.
    deep_lookback_days: int = Field(default=35, ge=1, le=400)
    # What the webhook receiver accepted, until the pipeline lands it (pipeline/lib/receive/):
    # beside the warehouse by default. The receiver and the pipeline must name the same file.
    webhook_journal_path: Path | None = None
    # An inbox file changed less than this long ago is still being written: taken next run.
    inbox_settle_seconds: float = Field(default=30.0, ge=0)
    # The receiver's bounds: a body larger is refused (413), one slower is cut off (408).
    receiver_max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    receiver_body_timeout_seconds: float = Field(default=10.0, gt=0)
    # A connection that sends no request head in this long is closed; past this many
    # connections at once, a request is answered 503 (the vendor retries).
    receiver_head_timeout_seconds: float = Field(default=10.0, gt=0)
    receiver_max_connections: int = Field(default=1000, ge=10)
    # The marts as Parquet too, after each publish: a folder or an fsspec URL (s3://...).
    parquet_path: str | None = None
    # Where a failed run is announced (pipeline/lib/alerts.py), and the UI to link to.
    alert_webhook_url: str | None = None
    alert_command: str | None = None
    dagster_url: str | None = None

    # The budgets in PostgreSQL instead (`postgresql://...`), for runs on several machines;
    # by default the Dagster instance's own database when it is PostgreSQL.
    rate_state_url: str | None = None

    def rate_state(self) -> Path | str:
        """Where every process counts vendor requests: PostgreSQL when the deployment has it
        (QA_RATE_STATE_URL, else the instance's DAGSTER_POSTGRES_URL), else a SQLite file."""
        url = self.rate_state_url or os.environ.get("DAGSTER_POSTGRES_URL")
        if url:
            return url
        if self.rate_state_path is not None:
            return self.rate_state_path.expanduser().resolve()
        return self.warehouse_path.with_name(self.warehouse_path.name + ".ratelimits.sqlite")

    def webhook_journal(self) -> Path:
        if self.webhook_journal_path is not None:
            return self.webhook_journal_path.expanduser().resolve()
        return _absolute(self.warehouse_path).with_name("webhooks.sqlite3")

    def absolute(self) -> WarehouseSettings:
        # dbt runs with its own working directory, so every consumer must see the same file.
        # Absolute, but links kept: the analyst copy is a link to its current version, and
        # resolving it made the next process publish beside that version, not the link.
        return self.model_copy(
            update={
                "warehouse_path": _absolute(self.warehouse_path),
                "analytics_path": _absolute(self.analytics_path),
            }
        )


def fixed_resource(value: object, description: str) -> ResourceDefinition:
    """A resource whose every value came from the environment where the Definitions were
    built, and that run config cannot change: its config schema is empty, so a run whose
    config names any field (a base URL, a credential, a storage path, even dbt's executable)
    is refused before it starts. Dagster offers no switch that makes a resource's fields
    fixed; a Pythonic resource's fields are all config. Nothing of the value is shown in
    the UI or kept in run storage."""
    return ResourceDefinition(
        resource_fn=lambda _: value, config_schema={}, description=description
    )
