"""A sensor that starts a landing when the receiver has taken deliveries not landed yet."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipeline.lib.receive.journal import Journal


def deliveries_sensor(
    *,
    name: str,
    vendor: str,
    job_name: str,
    journal_path: Path,
    description: str,
    minimum_interval_seconds: int = 60,
) -> SensorDefinition:
    """The cursor is the newest delivery a run was started for: each arrival starts one run
    (a run lands everything waiting, so arrivals during a run are landed by the next)."""

    @sensor(
        name=name,
        job_name=job_name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.STOPPED,
        description=description,
    )
    def _deliveries(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        if not journal_path.exists():
            return SkipReason(f"no journal at {journal_path}: the receiver has taken nothing yet")
        try:
            with Journal(journal_path) as journal:
                newest = journal.newest_waiting(vendor)
        except sqlite3.Error as exc:
            return SkipReason(f"journal not readable now: {exc}")
        handled = int(context.cursor) if context.cursor else 0
        if newest is None or newest <= handled:
            return SkipReason(f"no {vendor} delivery waiting to land")
        return SensorResult(
            run_requests=[RunRequest(run_key=f"{vendor}-deliveries-{newest}")],
            cursor=str(newest),
        )

    return _deliveries
