"""The warehouse's own settings, read from the environment where the Definitions are built,
and the one way they reach Dagster: as resources that run config cannot change.

A vendor's settings are declared by the vendor (`pipeline/lib/vendor.py`, `VendorSettings`).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from dagster import ResourceDefinition
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_WAREHOUSE_PATH = "data/warehouse.duckdb"
DEFAULT_ANALYTICS_PATH = "data/analytics.duckdb"


class ConfigError(ValueError):
    """A setting is wrong: a value that does not validate, or a vendor half-configured. The
    message names the variable, in one line; the command line exits 2 on it."""


def describe_errors(
    exc: ValidationError, variable: Any, secrets: frozenset[str] = frozenset()
) -> str:
    """Each error of `exc` as `<VARIABLE> '<value>': <what is wrong>` (a secret's value never
    shown); `variable(field)` names a field's variable."""
    described = []
    for error in exc.errors():
        if not error["loc"]:
            described.append(error["msg"].removeprefix("Value error, "))
            continue
        field = str(error["loc"][0])
        value = error.get("input")
        shown = (
            f" {str(value)[:60]!r}"
            if field not in secrets and isinstance(value, str | int | float)
            else ""
        )
        described.append(f"{variable(field)}{shown}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(described)


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path.expanduser()))


class WarehouseSettings(BaseSettings):
    """Where the warehouse lives and which days exist as partitions."""

    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    warehouse_path: Path = Field(
        default=Path(DEFAULT_WAREHOUSE_PATH), description="the DuckDB file the pipeline writes"
    )
    analytics_path: Path = Field(
        default=Path(DEFAULT_ANALYTICS_PATH),
        description="the analyst copy, replaced atomically after each build",
    )
    partitions_start: date = Field(
        default=date(2025, 1, 1), description="the first daily partition, YYYY-MM-DD"
    )
    lookback_days: int = Field(
        default=3, ge=0, le=90, description="days a scheduled run re-pulls for late updates"
    )
    deep_lookback_days: int = Field(
        default=35,
        ge=1,
        le=400,
        description="days the weekly deep re-pull covers, for what vendors change weeks later",
    )
    warehouse_lock_timeout_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="how long a step waits for another to release the warehouse file",
    )
    rate_state_path: Path | None = Field(
        default=None,
        description="the SQLite file where every process counts vendor requests against "
        "the rate budgets (default: beside the warehouse)",
    )
    rate_state_url: str | None = Field(
        default=None,
        description="the budgets in PostgreSQL instead (postgresql://...), for runs on "
        "several machines (default: DAGSTER_POSTGRES_URL when set)",
    )
    webhook_journal_path: Path | None = Field(
        default=None,
        description="what the webhook receiver accepted, until a run lands it (default: "
        "webhooks.sqlite3 beside the warehouse); the receiver and the pipeline name the same "
        "file",
    )
    inbox_settle_seconds: float = Field(
        default=30.0,
        ge=0,
        description="an inbox file changed less than this long ago is still being written "
        "and waits for the next run",
    )
    receiver_max_body_bytes: int = Field(
        default=5 * 1024 * 1024,
        ge=1024,
        description="the receiver refuses a larger body with 413",
    )
    receiver_body_timeout_seconds: float = Field(
        default=10.0, gt=0, description="the receiver answers 408 to a body not sent whole in time"
    )
    receiver_head_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="the receiver closes a connection that sends no request head in this long",
    )
    receiver_max_connections: int = Field(
        default=1000,
        ge=10,
        description="past this many connections at once the receiver answers 503, which the "
        "vendor retries",
    )
    parquet_path: str | None = Field(
        default=None,
        description="the marts as Parquet too, after each publish: a folder or an fsspec URL "
        "(s3://...)",
    )
    alert_webhook_url: str | None = Field(
        default=None,
        description='a failed run is announced by a JSON {"text": ...} POST here (Slack, '
        "Mattermost, Teams incoming webhooks)",
    )
    alert_command: str | None = Field(
        default=None,
        description="a failed run is announced to this command on its standard input "
        '(e.g. mail -s "qa-warehouse run failed" ops@example.com)',
    )
    dagster_url: str | None = Field(
        default=None, description="the Dagster UI address that an alert's link points to"
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            prefix = self.model_config.get("env_prefix", "")
            raise ConfigError(
                describe_errors(exc, lambda field: f"{prefix}{field}".upper())
            ) from None

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
