"""Settings read from the environment, validated once where the Definitions are built.

A vendor is enabled when all of its required variables are set, skipped when none are, and
half-configured is an error that names what is missing (see CONTRACT.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
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


class VendorConfigError(ValueError):
    """A vendor is half-configured: some required variables are set, others are not."""


@dataclass(frozen=True)
class VendorRequirement:
    vendor: str
    label: str
    required: tuple[str, ...]


VENDOR_REQUIREMENTS: tuple[VendorRequirement, ...] = (
    VendorRequirement(
        "kore",
        "Kore.ai Quality AI",
        (
            "KORE_BASE_URL",
            "KORE_STREAM_ID",
            "KORE_ACCOUNT_ID",
            "KORE_ORG_ID",
            "KORE_CLIENT_ID",
            "KORE_CLIENT_SECRET",
        ),
    ),
    VendorRequirement(
        "evaluagent", "EvaluAgent", ("EVALUAGENT_ACCESS_KEY_ID", "EVALUAGENT_SECRET_KEY")
    ),
    VendorRequirement("cqa", "Exotel CQA", ("CQA_BASE_URL", "CQA_ACCOUNT_ID", "CQA_API_KEY")),
)


def enabled_vendors(env: Mapping[str, str] | None = None) -> list[str]:
    """The vendors whose required variables are all set; raises on a half-configured one."""
    env = os.environ if env is None else env
    enabled: list[str] = []
    for req in VENDOR_REQUIREMENTS:
        present = [name for name in req.required if env.get(name)]
        if not present:
            continue
        missing = [name for name in req.required if not env.get(name)]
        if missing:
            raise VendorConfigError(
                f"{req.label} is half-configured: set {', '.join(missing)} "
                f"(or unset {', '.join(present)} to skip it)"
            )
        enabled.append(req.vendor)
    return enabled


ALL_VENDORS: tuple[str, ...] = tuple(req.vendor for req in VENDOR_REQUIREMENTS)
