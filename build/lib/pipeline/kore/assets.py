"""Kore rawdata, landed by daily UTC partition."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    PartitionsDefinition,
    asset,
)

from pipeline.kore.models import KNOWN_RECORD_KEYS
from pipeline.kore.resources import KoreResource
from pipeline.lib.checks import raw_check_specs
from pipeline.lib.landing import register_endpoint
from pipeline.lib.raw_asset import materialize_windows, raw_asset_key
from pipeline.lib.warehouse import WarehouseResource, api_pool

RAWDATA = register_endpoint("kore", "rawdata", "$.results[*]", KNOWN_RECORD_KEYS, record_rows=True)
RAWDATA_KEY = raw_asset_key(RAWDATA)


def build_kore_assets(partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        key=RAWDATA_KEY,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=7),
        group_name="kore",
        kinds={"python", "duckdb"},
        pool=api_pool("kore"),
        check_specs=raw_check_specs(RAWDATA_KEY, RAWDATA),
        description=(
            "Kore.ai Quality AI rawdata records for one UTC day, each stored exactly as "
            f"received in {RAWDATA.table}, one row per record beside its page's envelope."
        ),
    )
    def kore_rawdata(
        context: AssetExecutionContext, kore: KoreResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = kore.client()
        try:
            return materialize_windows(
                context,
                duckdb,
                RAWDATA,
                client.http,
                lambda window: lambda on_bad: client.iter_pages(window, on_bad),
            )
        finally:
            client.close()

    return [kore_rawdata]
