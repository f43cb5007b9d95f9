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
from pipeline.lib.conventions import vendor_asset_options
from pipeline.lib.pull.asset import materialize_windows
from pipeline.lib.pull.checks import raw_check_specs
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.warehouse import WarehouseResource

RAWDATA = Endpoint("kore", "rawdata", "$.results[*]", KNOWN_RECORD_KEYS, record_rows=True)


def build_kore_assets(partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        key=RAWDATA.asset_key,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=7),
        **vendor_asset_options("kore"),
        check_specs=raw_check_specs(RAWDATA.asset_key, RAWDATA),
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
