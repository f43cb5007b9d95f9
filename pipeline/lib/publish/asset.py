"""The analyst copy as an asset downstream of the dbt marts."""

from collections.abc import Mapping
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    AssetsDefinition,
    ConfigurableResource,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipeline.lib.conventions import OWNER, table_metadata
from pipeline.lib.publish.analyst_copy import PUBLISHED_SCHEMA, publish_marts
from pipeline.lib.publish.parquet import publish_parquet
from pipeline.lib.publish.report import default_report_path, write_report
from pipeline.lib.warehouse import WRITER_POOL, WarehouseResource


class AnalyticsResource(ConfigurableResource):
    """Where the warehouse is and where its published analyst copy goes."""

    warehouse_path: str
    analytics_path: str
    # Also write the marts as Parquet there (a folder or an fsspec URL), when set.
    parquet_path: str | None = None


def build_publish_asset(
    dbt_assets: AssetsDefinition, palette: Mapping[str, str]
) -> AssetsDefinition:
    """The publish after the build; `palette` is each vendor's colour in the report."""

    @asset(
        key=["analytics", "published_marts"],
        deps=[dbt_assets],
        group_name="publish",
        kinds={"duckdb"},
        pool=WRITER_POOL,
        description=(
            "The marts copied to QA_ANALYTICS_PATH (with their descriptions as comments), "
            "replaced atomically for analysts, the scorecard report written beside it, and "
            "the marts as Parquet under QA_PARQUET_PATH when it is set."
        ),
        owners=[OWNER],
        tags={"layer": "publish"},
    )
    def published_marts(
        context: AssetExecutionContext, analytics: AnalyticsResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        with duckdb.exclusive():
            rows = publish_marts(
                Path(analytics.warehouse_path), Path(analytics.analytics_path), context.run_id
            )
        # The marts' row counts, as Dagster's own metadata on each mart's asset.
        for table, count in rows.items():
            context.log_event(
                AssetObservation(
                    asset_key=AssetKey([PUBLISHED_SCHEMA, table]),
                    metadata={**table_metadata(row_count=count, table_name=f"marts.{table}")},
                )
            )
        report = write_report(
            Path(analytics.analytics_path),
            default_report_path(Path(analytics.analytics_path)),
            palette,
        )
        metadata = {
            **table_metadata(row_count=sum(rows.values())),
            "path": MetadataValue.path(analytics.analytics_path),
            "report": MetadataValue.path(str(report)),
            "tables": MetadataValue.json(rows),
        }
        if analytics.parquet_path:
            version, _ = publish_parquet(Path(analytics.analytics_path), analytics.parquet_path)
            metadata["parquet"] = MetadataValue.url(version)
        return MaterializeResult(metadata=metadata)

    return published_marts
