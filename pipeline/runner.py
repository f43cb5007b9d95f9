"""Run the pipeline through Dagster from the command line: raw partitions, then dbt and publish."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
from dagster import DagsterEventType, DagsterInstance, ExecuteInProcessResult

from pipeline.build import BUILD_JOB, build_defs
from pipeline.lib.settings import WarehouseSettings
from pipeline.lib.submit import ledger
from pipeline.lib.vendor import Vendor, enabled_vendors
from pipeline.lib.warehouse import read_only
from pipeline.lib.windows import days_between
from pipeline.vendors import VENDOR_NAMES, VENDORS

log = logging.getLogger(__name__)
# While waiting for vendors to finish submissions: the pause between two polls.
SETTLE_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class StepFailure:
    vendor: str
    day: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.vendor} {self.day}" if self.day else self.vendor
        return f"{where}: {self.reason}"


def _instance() -> DagsterInstance:
    # With DAGSTER_HOME the runs appear in the UI's history; without it they stay in memory.
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def failure_reason(result: ExecuteInProcessResult) -> str:
    reasons: list[str] = []
    for event in result.all_events:
        if event.event_type != DagsterEventType.STEP_FAILURE:
            continue
        data = event.step_failure_data
        user = data.user_failure_data
        if user is not None and user.description:
            reasons.append(user.description)
        elif data.error is not None:
            reasons.append(data.error.message.strip())
    return "\n".join(reasons) or "the run failed without a step failure (see the Dagster logs)"


def choose_vendors(requested: Sequence[str] | None) -> list[Vendor]:
    enabled = enabled_vendors(VENDORS)
    if not requested:
        for vendor in VENDORS:
            if vendor.name not in enabled:
                log.warning(
                    "%s is not configured (set %s); skipping it",
                    vendor.label,
                    vendor.settings.required_variables()[0],
                )
        return [v for v in VENDORS if v.name in enabled]
    unknown = [v for v in requested if v not in VENDOR_NAMES]
    if unknown:
        raise SystemExit(f"unknown vendor {', '.join(unknown)}; known: {', '.join(VENDOR_NAMES)}")
    missing = [v for v in VENDORS if v.name in requested and v.name not in enabled]
    if missing:
        hints = [f"{v.name} (needs {', '.join(v.settings.required_variables())})" for v in missing]
        raise SystemExit(f"not configured: {'; '.join(hints)}")
    return [v for v in VENDORS if v.name in requested]


@dataclass(frozen=True)
class Plan:
    """What a command-line run does per vendor: its once-a-run job or not, and which days."""

    vendor: Vendor
    days: tuple[date, ...]
    once: bool = True


def run_pipeline(
    start: date,
    end: date,
    vendors: Sequence[str] | None = None,
    *,
    log_level: str = "WARNING",
    instance: DagsterInstance | None = None,
    settle_seconds: float = 0.0,
) -> list[StepFailure]:
    """Materialize each vendor's raw partitions from start to end, then build and publish.

    Returns the failures; the marts are still rebuilt from what landed, because a failed window
    keeps its previous rows and the rest of the warehouse is worth refreshing."""
    days = tuple(days_between(start, end))
    plans = [Plan(vendor, days) for vendor in choose_vendors(vendors)]
    return run_plans(plans, log_level=log_level, instance=instance, settle_seconds=settle_seconds)


def _unfinished(vendors: Sequence[Vendor]) -> list[Vendor]:
    """The vendors with submissions they have not finished yet."""
    settings = WarehouseSettings().absolute()
    try:
        with read_only(settings.warehouse_path, settings.warehouse_lock_timeout_seconds) as conn:
            counts = ledger.counts_by_status(conn)
    except (FileNotFoundError, duckdb.CatalogException):
        return []
    return [
        v
        for v in vendors
        if any(
            n
            for (name, status), n in counts.items()
            if name == v.name and status not in ledger.NOT_POLLED
        )
    ]


def run_plans(
    plans: Sequence[Plan],
    *,
    log_level: str = "WARNING",
    instance: DagsterInstance | None = None,
    settle_seconds: float = 0.0,
) -> list[StepFailure]:
    """Per vendor its once-a-run work first, then one run per day; then build and publish.
    With `settle_seconds`, the once-a-run work of vendors that still have unfinished
    submissions is run again (they poll) until none has, or that time has passed."""
    defs = build_defs()
    instance = instance or _instance()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    failures: list[StepFailure] = []
    deadline = time.monotonic() + settle_seconds
    for plan in plans:
        vendor = plan.vendor
        if plan.once and vendor.once_job is not None:
            result = defs.resolve_job_def(vendor.once_job).execute_in_process(
                instance=instance, run_config=run_config, raise_on_error=False
            )
            if not result.success:
                failures.append(StepFailure(vendor.name, None, failure_reason(result)))
        if vendor.daily_job is None:
            continue
        job = defs.resolve_job_def(vendor.daily_job)
        for day in plan.days:
            result = job.execute_in_process(
                partition_key=day.isoformat(),
                instance=instance,
                run_config=run_config,
                raise_on_error=False,
            )
            if not result.success:
                failures.append(StepFailure(vendor.name, day.isoformat(), failure_reason(result)))
    waiting = [p.vendor for p in plans if p.once and p.vendor.once_job is not None]
    while waiting and time.monotonic() < deadline:
        waiting = _unfinished(waiting)
        if not waiting:
            break
        time.sleep(SETTLE_POLL_SECONDS)
        for vendor in waiting:
            assert vendor.once_job is not None
            result = defs.resolve_job_def(vendor.once_job).execute_in_process(
                instance=instance, run_config=run_config, raise_on_error=False
            )
            if not result.success:
                failures.append(StepFailure(vendor.name, None, failure_reason(result)))
                waiting = [v for v in waiting if v is not vendor]
    result = defs.resolve_job_def(BUILD_JOB).execute_in_process(
        instance=instance, run_config=run_config, raise_on_error=False
    )
    if not result.success:
        failures.append(StepFailure("dbt build and publish", None, failure_reason(result)))
    return failures
