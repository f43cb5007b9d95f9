"""How every asset describes itself in Dagster: who owns it, and tags to filter by.

Owners and tags are set here once: a vendor's raw assets carry `vendor` and `layer: raw`, the
dbt models their layer (`staging`, `intermediate`, `marts`, `snapshots`, `seeds`) and, in a
vendor's folder, its vendor; the publish `layer: publish`.
"""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue, TableSchema

from pipeline.lib.warehouse import api_pool

# The team that answers for the pipeline's assets (Dagster shows it as each asset's owner).
OWNER = "team:qa-data"


def raw_tags(vendor: str) -> dict[str, str]:
    return {"vendor": vendor, "layer": "raw"}


def vendor_asset_options(vendor: str) -> dict[str, object]:
    """What every raw asset of a vendor declares besides its own key and description: its
    group, owner and tags, and the pool that keeps one step at a time on the vendor's API."""
    return {
        "group_name": vendor,
        "owners": [OWNER],
        "tags": raw_tags(vendor),
        "kinds": {"python", "duckdb"},
        "pool": api_pool(vendor),
    }


def table_metadata(
    table_name: str | None = None,
    row_count: int | None = None,
    column_schema: TableSchema | None = None,
) -> dict[str, Any]:
    """Dagster's standard table metadata (the UI shows it as the asset's table, rows and
    columns), under the keys Dagster's own integrations use."""
    metadata: dict[str, Any] = {}
    if table_name is not None:
        metadata["dagster/table_name"] = MetadataValue.text(table_name)
    if row_count is not None:
        metadata["dagster/row_count"] = MetadataValue.int(row_count)
    if column_schema is not None:
        metadata["dagster/column_schema"] = MetadataValue.table_schema(column_schema)
    return metadata
