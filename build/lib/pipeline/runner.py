"""Run the pipeline through Dagster from the command line: raw partitions, then dbt and publish."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dagster import DagsterEventType, DagsterInstance, ExecuteInProcessResult

from pipeline.build import BUILD_JOB, ONCE_PER_RUN_JOBS, RAW_JOBS, build_defs
from pipeline.lib.settings import ALL_VENDORS, VENDOR_REQUIREMENTS, enabled_vendors
from pipeline.lib.windows import days_between

log = logging.getLogger(__name__)


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


def choose_vendors(requested: Sequence[str] | None) -> list[str]:
    enabled = enabled_vendors()
    if not requested:
        for req in VENDOR_REQUIREMENTS:
            if req.vendor not in enabled:
                log.warning(
                    "%s is not configured (set %s); skipping it", req.label, req.required[0]
                )
        return enabled
    unknown = [v for v in requested if v not in ALL_VENDORS]
    if unknown:
        raise SystemExit(f"unknown vendor {', '.join(unknown)}; known: {', '.join(ALL_VENDORS)}")
    missing = [v for v in requested if v not in enabled]
    if missing:
        hints = [
            f"{r.vendor} (needs {', '.join(r.required)})"
            for r in VENDOR_REQUIREMENTS
            if r.vendor in missing
        ]
        raise SystemExit(f"not configured: {'; '.join(hints)}")
    return list(requested)


def run_pipeline(
    start: date,
    end: date,
    vendors: Sequence[str] | None = None,
    *,
    log_level: str = "WARNING",
    instance: DagsterInstance | None = None,
) -> list[StepFailure]:
    """Materialize each vendor's raw partitions from start to end, then build and publish.

    Returns the failures; the marts are still rebuilt from what landed, because a failed window
    keeps its previous rows and the rest of the warehouse is worth refreshing."""
    chosen = choose_vendors(vendors)
    defs = build_defs()
    instance = instance or _instance()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    failures: list[StepFailure] = []
    for vendor in chosen:
        if vendor in ONCE_PER_RUN_JOBS:
            result = defs.resolve_job_def(ONCE_PER_RUN_JOBS[vendor]).execute_in_process(
                instance=instance, run_config=run_config, raise_on_error=False
            )
            if not result.success:
                failures.append(StepFailure(vendor, None, failure_reason(result)))
        job = defs.resolve_job_def(RAW_JOBS[vendor])
        for day in days_between(start, end):
            result = job.execute_in_process(
                partition_key=day.isoformat(),
                instance=instance,
                run_config=run_config,
                raise_on_error=False,
            )
            if not result.success:
                failures.append(StepFailure(vendor, day.isoformat(), failure_reason(result)))
    result = defs.resolve_job_def(BUILD_JOB).execute_in_process(
        instance=instance, run_config=run_config, raise_on_error=False
    )
    if not result.success:
        failures.append(StepFailure("dbt build and publish", None, failure_reason(result)))
    return failures
