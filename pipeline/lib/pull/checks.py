"""Asset checks every raw asset carries, evaluated on the windows it just landed."""

from __future__ import annotations

from typing import Any

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
)

from pipeline.lib.pull.commit import LoadOutcome
from pipeline.lib.raw_schema import Endpoint

EMPTIED = "window_not_emptied"
QUARANTINED = "no_quarantined_records"
DRIFT = "no_unknown_keys"


def raw_check_specs(key: AssetKey, endpoint: Endpoint) -> list[AssetCheckSpec]:
    specs = [
        AssetCheckSpec(
            EMPTIED,
            asset=key,
            blocking=True,
            description="A window that had records and now has none (vendor outage or filter "
            "change). Its previous load is kept; the check blocks what runs downstream.",
        ),
        AssetCheckSpec(
            QUARANTINED,
            asset=key,
            description="Pages or records kept in raw.quarantine in this run.",
        ),
    ]
    if endpoint.records_path:
        specs.append(
            AssetCheckSpec(
                DRIFT,
                asset=key,
                description="Keys in the vendor's records that staging does not know.",
            )
        )
    return specs


def evaluate(
    conn: duckdb.DuckDBPyConnection, key: AssetKey, endpoint: Endpoint, loads: list[LoadOutcome]
) -> list[AssetCheckResult]:
    emptied = [
        f"{load.window.label} (had {load.emptied_from})"
        for load in loads
        if load.emptied_from is not None
    ]
    quarantined = sum(load.quarantined for load in loads)

    def result(
        name: str, passed: bool, severity: AssetCheckSeverity, metadata: dict[str, Any]
    ) -> AssetCheckResult:
        return AssetCheckResult(
            asset_key=key, check_name=name, passed=passed, severity=severity, metadata=metadata
        )

    results = [
        result(
            EMPTIED,
            not emptied,
            AssetCheckSeverity.ERROR,
            {"emptied_windows": MetadataValue.json(emptied)},
        ),
        result(
            QUARANTINED,
            quarantined == 0,
            AssetCheckSeverity.WARN,
            {"quarantined": MetadataValue.int(quarantined)},
        ),
    ]
    if endpoint.records_path:
        run_ids = sorted({load.run_id for load in loads})
        starts = [load.window.start for load in loads]
        keys = {
            k
            for (k,) in conn.execute(
                f"""
                with records as (
                    select {endpoint.records_sql} as record
                    from {endpoint.table}
                    where run_id in (select unnest(?)) and window_start in (select unnest(?))
                )
                select distinct unnest(json_keys(record)) from records
                where json_type(record) = 'OBJECT'
                """,
                [run_ids, starts],
            ).fetchall()
        }
        unknown = sorted(keys - endpoint.known_keys)
        results.append(
            result(
                DRIFT,
                not unknown,
                AssetCheckSeverity.WARN,
                {"unknown_keys": MetadataValue.json(unknown)},
            )
        )
    return results
