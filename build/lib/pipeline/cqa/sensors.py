"""When pushed interactions finish (completed or failed), pull their day again."""

from datetime import datetime

import duckdb
from dagster import (
    DefaultSensorStatus,
    PartitionsDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from pipeline.cqa import ledger


def build_cqa_finished_sensor(
    job_name: str, warehouse_path: str, partitions_def: PartitionsDefinition
) -> SensorDefinition:
    @sensor(
        name="cqa_finished_interactions",
        job_name=job_name,
        minimum_interval_seconds=300,
        default_status=DefaultSensorStatus.STOPPED,
        description=(
            "Requests the CQA day partition again when interactions pushed to CQA complete or "
            "fail; the cursor is the last ledger change handled."
        ),
    )
    def cqa_finished_interactions(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        cursor = datetime.fromisoformat(context.cursor) if context.cursor else None
        try:
            with duckdb.connect(warehouse_path, read_only=True) as conn:
                finished = ledger.finished_since(conn, cursor)
        except (duckdb.IOException, duckdb.CatalogException) as exc:
            # The pipeline is writing (DuckDB allows one writer), or nothing was pushed yet.
            return SkipReason(f"warehouse not readable now: {type(exc).__name__}")
        if not finished:
            return SkipReason("no pushed interaction finished since the last check")
        newest = max(updated for updated, _ in finished)
        days = sorted({day.isoformat() for _, day in finished})
        # A day still in progress is not a partition yet; the daily pull will take it.
        existing = set(partitions_def.get_partition_keys())
        requests = [
            RunRequest(partition_key=day, run_key=f"cqa-finished-{day}-{newest.isoformat()}")
            for day in days
            if day in existing
        ]
        return SensorResult(run_requests=requests, cursor=newest.isoformat())

    return cqa_finished_interactions
