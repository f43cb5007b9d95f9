"""A sensor that starts runs when a vendor finishes submissions (completed or failed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import duckdb
from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipeline.lib.submit import ledger
from pipeline.lib.warehouse import WarehouseLockTimeout, read_only

# A sensor tick waits this long for a writer to release the warehouse, then tries next tick.
READ_WAIT_SECONDS = 5.0

# (the newest change seen, the UTC days the finished submissions changed on) -> runs to start.
RequestsFor = Callable[[datetime, list[date]], list[RunRequest]]


def finished_submissions_sensor(
    *,
    name: str,
    vendor: str,
    job_name: str,
    warehouse_path: str,
    requests_for: RequestsFor,
    description: str,
    minimum_interval_seconds: int = 300,
) -> SensorDefinition:
    """The cursor is the last ledger change handled, so each finish starts its runs once."""

    @sensor(
        name=name,
        job_name=job_name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.STOPPED,
        description=description,
    )
    def _finished(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        cursor = datetime.fromisoformat(context.cursor) if context.cursor else None
        try:
            with read_only(warehouse_path, READ_WAIT_SECONDS) as conn:
                finished = ledger.finished_since(conn, vendor, cursor)
        except (FileNotFoundError, WarehouseLockTimeout, duckdb.CatalogException) as exc:
            # Nothing submitted yet, or a long write in progress: the next tick will see.
            return SkipReason(f"warehouse not readable now: {type(exc).__name__}")
        if not finished:
            return SkipReason(f"no {vendor} submission finished since the last check")
        newest = max(updated for updated, _ in finished)
        days = sorted({day for _, day in finished})
        return SensorResult(run_requests=requests_for(newest, days), cursor=newest.isoformat())

    return _finished
