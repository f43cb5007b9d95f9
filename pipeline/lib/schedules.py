"""Daily schedules: each vendor's day just ended plus a re-pull of the last QA_LOOKBACK_DAYS days
for late updates, then the dbt build and the analyst publish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from pipeline.lib.vendor import VendorContext

# Raw pulls start at 01:00 UTC, one vendor every 20 minutes; the build follows at 03:00.
RAW_HOUR = 1
BUILD_CRON = "0 3 * * *"


def days_to_pull(today: date, lookback_days: int, first_day: date) -> list[date]:
    """The day just ended and the `lookback_days` before it, oldest first, none before the
    first partition."""
    ended = today - timedelta(days=1)
    days = [ended - timedelta(days=n) for n in range(lookback_days, -1, -1)]
    return [d for d in days if d >= first_day]


def raw_schedule(vendor: str, job_name: str, ctx: VendorContext) -> ScheduleDefinition:
    """The vendor's daily pull, 20 minutes after the vendor before it in the list."""
    slot = ctx.slot
    lookback_days = ctx.warehouse.lookback_days
    first_day = ctx.warehouse.partitions_start

    @schedule(
        name=f"{vendor}_daily",
        job_name=job_name,
        cron_schedule=f"{(slot * 20) % 60} {RAW_HOUR + (slot * 20) // 60} * * *",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.STOPPED,
        description=f"{vendor}: yesterday plus {lookback_days} days of late updates (UTC).",
    )
    def _daily(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        today = context.scheduled_execution_time.date()
        for day in days_to_pull(today, lookback_days, first_day):
            # One key per vendor, day and tick: a tick evaluated twice launches nothing twice.
            yield RunRequest(
                partition_key=day.isoformat(),
                run_key=f"{vendor}:{day.isoformat()}:tick-{today.isoformat()}",
            )

    return _daily


def deep_schedule(vendor: str, job_name: str, ctx: VendorContext) -> ScheduleDefinition:
    """Once a week, the last `QA_DEEP_LOOKBACK_DAYS` days again: vendors change records weeks
    after the fact (QA reviews, audits, re-published evaluations), later than the daily
    lookback reaches. Cheap where details are fetched only when the listing changed."""
    slot = ctx.slot
    deep_days = ctx.warehouse.deep_lookback_days
    first_day = ctx.warehouse.partitions_start

    @schedule(
        name=f"{vendor}_deep_weekly",
        job_name=job_name,
        # Sundays from 04:00 UTC, after the day's build, one vendor every 20 minutes.
        cron_schedule=f"{(slot * 20) % 60} {4 + (slot * 20) // 60} * * 0",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.STOPPED,
        description=f"{vendor}: the last {deep_days} days again, for late changes (UTC).",
    )
    def _weekly(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        today = context.scheduled_execution_time.date()
        for day in days_to_pull(today, deep_days - 1, first_day):
            yield RunRequest(
                partition_key=day.isoformat(),
                run_key=f"{vendor}:{day.isoformat()}:deep-{today.isoformat()}",
            )

    return _weekly


def once_schedule(name: str, job_name: str, cron: str, description: str) -> ScheduleDefinition:
    return ScheduleDefinition(
        name=name,
        job_name=job_name,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.STOPPED,
        description=description,
    )
