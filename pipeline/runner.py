"""Run the pipeline through Dagster from the command line: raw partitions, then dbt and publish."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
from dagster import DagsterEventType, DagsterInstance, Definitions, ExecuteInProcessResult

from pipeline.build import BUILD_JOB, build_defs
from pipeline.instance import cli_instance, command_line_run_tags, reclaim_abandoned_runs
from pipeline.lib.settings import ConfigError, WarehouseSettings
from pipeline.lib.step_failures import step_failure_reason
from pipeline.lib.submit import ledger
from pipeline.lib.vendor import Vendor, enabled_vendors
from pipeline.lib.warehouse import read_only
from pipeline.lib.windows import days_between
from pipeline.progress import RunProgress
from pipeline.vendors import VENDOR_NAMES, VENDORS

log = logging.getLogger(__name__)
# While waiting for vendors to finish submissions: the pause between two polls.
SETTLE_POLL_SECONDS = 2.0
# While waiting for analyses, a line at most this often (the progress's heartbeat pace).
NOTE_EVERY_SECONDS = 10.0


@dataclass(frozen=True)
class StepFailure:
    vendor: str
    day: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.vendor} {self.day}" if self.day else self.vendor
        return f"{where}: {self.reason}"


def failure_reason(result: ExecuteInProcessResult) -> str:
    reasons: list[str] = []
    for event in result.all_events:
        if event.event_type != DagsterEventType.STEP_FAILURE:
            continue
        reasons.append(step_failure_reason(event.step_failure_data))
    return "\n".join(reasons) or "the run failed without a step failure (see the Dagster logs)"


def choose_vendors(requested: Sequence[str] | None) -> list[Vendor]:
    enabled = enabled_vendors(VENDORS)
    if not enabled:
        first = ", ".join(f"{v.settings.required_variables()[0]}..." for v in VENDORS)
        raise ConfigError(
            f"no vendor is configured: set one vendor's variables ({first}; "
            "`qa-warehouse settings` lists them all), or try `qa-warehouse demo`"
        )
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
    progress: RunProgress | None = None,
    build: bool = True,
) -> list[StepFailure]:
    """Materialize each vendor's raw partitions from start to end, then build and publish.

    Returns the failures; the marts are still rebuilt from what landed, because a failed window
    keeps its previous rows and the rest of the warehouse is worth refreshing. A run that
    landed nothing at all (every vendor failed) builds nothing: the marts would not change.
    With `build` false the run lands only: the next build (a run's, or the daily schedule's)
    takes it in."""
    days = tuple(days_between(start, end))
    plans = [Plan(vendor, days) for vendor in choose_vendors(vendors)]
    return run_plans(
        plans,
        log_level=log_level,
        instance=instance,
        settle_seconds=settle_seconds,
        progress=progress,
        build=build,
    )


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
            if name == v.name and status in ledger.polled(v.in_progress)
        )
    ]


def records_landed(result: ExecuteInProcessResult) -> int | None:
    """The records a day's raw assets landed (the rows of their partitions), or None for a
    run that lands no day."""
    counts = [
        value.value
        for event in result.get_asset_materialization_events()
        if event.materialization.partition is not None
        for name, value in event.materialization.metadata.items()
        if name == "dagster/row_count" and isinstance(value.value, int)
    ]
    return sum(counts) if counts else None


def wait_for_analyses(
    waiting: Sequence[Vendor],
    seconds: float,
    *,
    unfinished: Callable[[Sequence[Vendor]], list[Vendor]],
    poll: Callable[[Vendor], bool],
    note: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Vendor]:
    """Polls the `waiting` vendors (`poll`: their once-a-run job, False when it failed) until
    none has `unfinished` submissions, or `seconds` have passed since the call. The time
    counts from here, not from the run's start: a slow first pass (a busy machine, many days)
    must not use up the wait before a single poll. Returns the vendors still unfinished."""
    began = clock()
    said_at = -NOTE_EVERY_SECONDS
    waiting = list(waiting)
    while waiting and clock() < began + seconds:
        waiting = unfinished(waiting)
        if not waiting:
            break
        waited = clock() - began
        if note and waited >= said_at + NOTE_EVERY_SECONDS:
            said_at = waited
            names = ", ".join(v.name for v in waiting)
            note(f"waiting for the analyses of {names} ({waited:.0f} s so far)")
        sleep(SETTLE_POLL_SECONDS)
        waiting = [vendor for vendor in waiting if poll(vendor)]
    return waiting


class _Runs:
    """Runs one job at a time on one instance, telling `progress` and collecting failures."""

    def __init__(
        self,
        defs: Definitions,
        instance: DagsterInstance,
        log_level: str,
        progress: RunProgress | None,
    ) -> None:
        self.defs = defs
        self.instance = instance
        self.run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
        self.progress = progress
        self.failures: list[StepFailure] = []
        # Raw partitions and tables the runs so far materialized, failed runs' included.
        self.materialized = 0
        self.tags = command_line_run_tags()
        for run_id in reclaim_abandoned_runs(instance):
            logging.getLogger(__name__).warning(
                "run %s of a qa-warehouse process that is gone was marked failed "
                "and its pool slots freed",
                run_id,
            )

    def run(
        self,
        job_name: str,
        vendor: str,
        day: str | None = None,
        label: str = "",
        counted: bool = True,
    ) -> bool:
        """Runs the job; a run that is not `counted` (a round of waiting for analyses) is
        no step of the progress, and only its failure is told."""
        step = label or (f"{vendor} {day}" if day else f"{vendor} (once a run)")
        if self.progress and counted:
            self.progress.started(step)
        result = self.defs.resolve_job_def(job_name).execute_in_process(
            instance=self.instance,
            run_config=self.run_config,
            raise_on_error=False,
            tags=self.tags,
            **({"partition_key": day} if day else {}),
        )
        failure = None if result.success else failure_reason(result)
        self.materialized += len(result.get_asset_materialization_events())
        if failure is not None:
            self.failures.append(StepFailure(vendor, day, failure))
        if self.progress and counted:
            self.progress.finished(step, records=records_landed(result), failure=failure)
        elif self.progress and failure is not None:
            self.progress.note(f"{step}: failed: {failure.strip().splitlines()[0]}")
        return result.success


def run_plans(
    plans: Sequence[Plan],
    *,
    log_level: str = "WARNING",
    instance: DagsterInstance | None = None,
    settle_seconds: float = 0.0,
    progress: RunProgress | None = None,
    build: bool = True,
) -> list[StepFailure]:
    """Per vendor its once-a-run work first, then one run per day; then build and publish
    (unless `build` is false).
    With `settle_seconds`, the once-a-run work of vendors that still have unfinished
    submissions is run again (they poll) until none has, or that time has passed since the
    first pass ended (`wait_for_analyses`)."""
    runs = _Runs(build_defs(), instance or cli_instance(), log_level, progress)
    if progress:
        progress.planned(
            sum(
                (plan.once and plan.vendor.once_job is not None)
                + (len(plan.days) if plan.vendor.daily_job else 0)
                for plan in plans
            )
            + build
        )
    for plan in plans:
        vendor = plan.vendor
        if plan.once and vendor.once_job is not None:
            runs.run(vendor.once_job, vendor.name)
        if vendor.daily_job is not None:
            for day in plan.days:
                runs.run(vendor.daily_job, vendor.name, day.isoformat())
    waiting = [p.vendor for p in plans if p.once and p.vendor.once_job is not None]
    if waiting and settle_seconds > 0:

        def poll(vendor: Vendor) -> bool:
            assert vendor.once_job is not None
            label = f"{vendor.name} (waiting for analyses)"
            return runs.run(vendor.once_job, vendor.name, label=label, counted=False)

        wait_for_analyses(
            waiting,
            settle_seconds,
            unfinished=_unfinished,
            poll=poll,
            note=progress.note if progress else None,
        )
    if build and runs.materialized:
        runs.run(BUILD_JOB, "dbt build and publish", label="dbt build and publish")
    elif build:
        # Every landing failed before writing anything: the marts and the analyst copy would
        # come out as the last build left them, after a build's cost. The run still fails.
        log.info("nothing landed, so nothing was built or published")
        if progress:
            progress.skipped("dbt build and publish", "nothing landed; the marts are as they were")
    return runs.failures
