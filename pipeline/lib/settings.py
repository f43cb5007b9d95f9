"""The warehouse's own settings, read from the environment where the Definitions are built.

A vendor's settings are declared by the vendor (`pipeline/lib/vendor.py`, `VendorSettings`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_WAREHOUSE_PATH = "data/warehouse.duckdb"
DEFAULT_ANALYTICS_PATH = "data/analytics.duckdb"


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
    # Where a failed run is announced (pipeline/lib/alerts.py), and the UI to link to.
    alert_webhook_url: str | None = None
    alert_command: str | None = None
    dagster_url: str | None = None

    def rate_state(self) -> Path:
        if self.rate_state_path is not None:
            return self.rate_state_path.expanduser().resolve()
        return self.warehouse_path.with_name(self.warehouse_path.name + ".ratelimits.sqlite")

    def absolute(self) -> WarehouseSettings:
        # dbt runs with its own working directory, so every consumer must see the same file.
        return self.model_copy(
            update={
                "warehouse_path": self.warehouse_path.expanduser().resolve(),
                "analytics_path": self.analytics_path.expanduser().resolve(),
            }
        )
