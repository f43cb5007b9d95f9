"""The analyst copy as an asset downstream of the dbt marts."""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    ConfigurableResource,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipeline.lib.publish import publish_marts
from pipeline.lib.warehouse import WRITER_POOL, WarehouseResource


class AnalyticsResource(ConfigurableResource):
    """Where the warehouse is and where its published analyst copy goes."""

    warehouse_path: str
    analytics_path: str


def build_publish_asset(dbt_assets: AssetsDefinition) -> AssetsDefinition:
    @asset(
        key=["analytics", "published_marts"],
        deps=[dbt_assets],
        group_name="publish",
        kinds={"duckdb"},
        pool=WRITER_POOL,
        description="The marts copied to QA_ANALYTICS_PATH, replaced atomically for analysts.",
    )
    def published_marts(
        context: AssetExecutionContext, analytics: AnalyticsResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        with duckdb.exclusive():
            rows = publish_marts(
                Path(analytics.warehouse_path), Path(analytics.analytics_path), context.run_id
            )
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(analytics.analytics_path),
                "tables": MetadataValue.json(rows),
            }
        )

    return published_marts
