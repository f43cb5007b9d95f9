"""The vendor contract: what each `pipeline/<vendor>/` exports, and how the core reads it.

A vendor folder exports one `Vendor`: its name, its settings (one `VendorSettings` class,
read from the environment and used as the vendor's Dagster resource), the raw endpoints it
lands, and a function returning its `Definitions`. The core (`pipeline/build.py`) merges the
Definitions of the enabled vendors and names none of them; `pipeline/vendors.py` is the one
list of vendors.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from dagster import (
    ConfigurableResource,
    DailyPartitionsDefinition,
    Definitions,
    ResourceDefinition,
)
from pydantic import Field, ValidationError, model_validator
from pydantic_settings import EnvSettingsSource
from pydantic_settings.exceptions import SettingsError

from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.settings import ConfigError, WarehouseSettings, describe_errors, fixed_resource

if TYPE_CHECKING:
    from pipeline.lib.receive.source import WebhookSource

MASK = "***"


class VendorConfigError(ConfigError):
    """A vendor's settings are wrong: half-configured, or a value that does not validate.
    The message names the variable."""


def secret(**kwargs: Any) -> Any:
    """A field holding a credential: masked in `repr`, and given to the vendor's redactor."""
    return Field(json_schema_extra={"secret": True}, **kwargs)


class VendorSettings(ConfigurableResource):
    """A vendor's settings, declared once.

    Each field is read from the environment variable `<env_prefix><FIELD>` (upper case);
    a field without a default is one of the vendor's required variables. The same object is
    the vendor's Dagster resource, fixed where the Definitions are built
    (`settings.fixed_resource`): nothing typed into run config reaches a credential, a base
    URL or a path."""

    env_prefix: ClassVar[str]
    # Fields naming a file or folder on this machine: made absolute where they are read,
    # since Dagster runs steps from other working directories than the one that read them.
    local_paths: ClassVar[tuple[str, ...]] = ()

    # How every vendor's HTTP client waits and retries; a vendor changes a default by
    # declaring the field again.
    rate_period_seconds: float = Field(
        default=60.0, gt=0, description="the period of the rate budget; only tests shorten it"
    )
    max_attempts: int = Field(default=6, ge=1, description="attempts at one request")
    backoff_initial_seconds: float = Field(
        default=0.5, gt=0, description="the first wait before a retry, doubled each time"
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="the wait for one response")
    concurrency: int = Field(
        default=4,
        ge=1,
        le=32,
        description="independent requests (details, polls) in flight at once, within the "
        "rate budget; one that hangs no longer holds up the others",
    )

    @model_validator(mode="before")
    @classmethod
    def _absolute_paths(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {
                name: str(Path(value).expanduser().resolve())
                if name in cls.local_paths and isinstance(value, str) and value
                else value
                for name, value in values.items()
            }
        return values

    def retrying(self) -> dict[str, Any]:
        """The shared HTTP layer's timeout and retry arguments (`VendorHttp`)."""
        return {
            "timeout": self.timeout_seconds,
            "max_attempts": self.max_attempts,
            "backoff_initial": self.backoff_initial_seconds,
            "concurrency": self.concurrency,
        }

    @classmethod
    def variable(cls, field: str) -> str:
        return f"{cls.env_prefix}{field}".upper()

    @classmethod
    def required_fields(cls) -> list[str]:
        return [name for name, info in cls.model_fields.items() if info.is_required()]

    @classmethod
    def required_variables(cls) -> list[str]:
        return [cls.variable(name) for name in cls.required_fields()]

    @classmethod
    def secret_fields(cls) -> list[str]:
        return [
            name
            for name, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("secret")
        ]

    @classmethod
    def from_env(cls) -> Self:
        """The settings as the environment gives them, validated; raises `VendorConfigError`
        naming the variable of the first value that is wrong."""
        try:
            values = EnvSettingsSource(
                cls, env_prefix=cls.env_prefix, case_sensitive=False, env_ignore_empty=True
            )()
        except SettingsError as exc:
            # pydantic-settings names the field, not the variable; its cause says what is wrong.
            raise VendorConfigError(
                f"{cls.env_prefix}*: {exc} ({exc.__cause__ or 'not valid JSON'})"
            ) from None
        try:
            validated = cls(**values)
        except ValidationError as exc:
            # A field's error names its variable (and its value, unless a secret); a rule
            # across fields names its own.
            raise VendorConfigError(
                describe_errors(exc, cls.variable, frozenset(cls.secret_fields()))
            ) from None
        return validated

    def __repr_args__(self) -> Any:
        secrets = set(self.secret_fields())
        for name, value in super().__repr_args__():
            yield name, (MASK if name in secrets and value is not None else value)


@dataclass(frozen=True)
class VendorContext:
    """What the core hands a vendor when the Definitions are built."""

    settings: VendorSettings
    partitions: DailyPartitionsDefinition
    warehouse: WarehouseSettings
    # The vendor's place in the list: spreads the vendors' daily schedules apart.
    slot: int

    @property
    def resource(self) -> ResourceDefinition:
        """The vendor's settings as its Dagster resource, which run config cannot change."""
        return fixed_resource(
            self.settings,
            f"{type(self.settings).__name__}: from {self.settings.env_prefix}* variables only",
        )


PULL, SUBMIT, RECEIVE = "pull", "submit", "receive"


@dataclass(frozen=True)
class Vendor:
    """One vendor, as its folder exports it (`VENDOR` in `pipeline/<vendor>/__init__.py`): the
    one place that says what a vendor is and does. The dbt variables (`dbt_vars`), the
    report's colours and the tests derive from these.

    `daily_job`, where a vendor has one, lands one UTC day (a partition); `once_job`, where a
    vendor has one, does the work of a whole run (lists refreshed whole, submissions,
    polling) before the days. A vendor that lists nothing by day (one we submit calls to)
    has only the latter. `freshness` is the endpoint whose yesterday must have landed by
    06:00 UTC. `webhook`, for a vendor that posts its results, builds what the webhook
    receiver needs of it from the environment (None when it is not configured there): the
    receiver runs apart from the pipeline and needs none of the vendor's other settings."""

    name: str
    label: str
    settings: type[VendorSettings]
    endpoints: tuple[Endpoint, ...]
    definitions: Callable[[VendorContext], Definitions]
    daily_job: str | None = None
    once_job: str | None = None
    freshness: Endpoint | None = None
    webhook: Callable[[Mapping[str, str]], WebhookSource | None] | None = None
    # For a vendor we submit to: its own words for work in progress, polled again.
    in_progress: tuple[str, ...] = ()
    # The shapes of its API it uses (`pipeline/lib/pull`, `submit`, `receive`).
    shapes: tuple[str, ...] = (PULL,)
    # What its dbt models have beside `int_<name>__interactions` and `__agent_identities`:
    # scores (`__evaluations`, `__kpi_scores`, `__audits`), insights (`__insights`), staging
    # kept per load (`__loaded_records`), scores revised after the fact (history snapshots),
    # a list of its agents (`__agent_listing`, kept as history), interactions scored both by
    # its AI and by a person (`__score_pairs`, `__kpi_pairs`).
    scores: bool = False
    insights: bool = False
    incremental: bool = False
    revises: bool = False
    lists_agents: bool = False
    calibrates: bool = False
    # Its colour in the scorecard report.
    colour: str = "#64748b"

    def is_enabled(self, env: Mapping[str, str] | None = None) -> bool:
        """True when every required variable is set, False when none is; raises
        `VendorConfigError` naming what is missing when only some are."""
        env = os.environ if env is None else env
        required = self.settings.required_variables()
        present = [name for name in required if env.get(name)]
        if not present:
            return False
        missing = [name for name in required if not env.get(name)]
        if missing:
            raise VendorConfigError(
                f"{self.label} is half-configured: set {', '.join(missing)} "
                f"(or unset {', '.join(present)} to skip it)"
            )
        return True


def check_settings(vendors: Sequence[Vendor]) -> list[Vendor]:
    """Every setting a run reads, checked before it starts: the warehouse's, and every value
    of each vendor configured here. Raises `ConfigError` naming the first wrong variable;
    returns the configured vendors."""
    WarehouseSettings()
    configured = [vendor for vendor in vendors if vendor.is_enabled()]
    for vendor in configured:
        vendor.settings.from_env()
    return configured


def enabled_vendors(vendors: Sequence[Vendor], env: Mapping[str, str] | None = None) -> list[str]:
    """The names of the vendors whose required variables are all set; raises on a
    half-configured one."""
    return [vendor.name for vendor in vendors if vendor.is_enabled(env)]


def vendor_named(vendors: Sequence[Vendor], name: str) -> Vendor:
    for vendor in vendors:
        if vendor.name == name:
            return vendor
    raise KeyError(f"unknown vendor {name!r}; known: {', '.join(v.name for v in vendors)}")


def dbt_vars(vendors: Sequence[Vendor]) -> dict[str, list[str]]:
    """The dbt variables every dbt command of the project is given: which vendors' models feed
    the marts, and which of them score, report insights, load per load, revise, list their
    agents and have AI scores checked by people. dbt's
    project file names no vendor: these are the registry's."""
    return {
        "vendors": [v.name for v in vendors],
        "scoring_vendors": [v.name for v in vendors if v.scores],
        "insight_vendors": [v.name for v in vendors if v.insights],
        "incremental_vendors": [v.name for v in vendors if v.incremental],
        "revisable_vendors": [v.name for v in vendors if v.revises],
        "listing_vendors": [v.name for v in vendors if v.lists_agents],
        "calibrating_vendors": [v.name for v in vendors if v.calibrates],
    }
