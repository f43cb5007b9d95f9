"""Kore rawdata, landed by daily UTC partition."""

from dagster import AssetsDefinition, PartitionsDefinition

from pipeline.kore.client import KoreClient
from pipeline.kore.models import KNOWN_RECORD_KEYS
from pipeline.lib.pull.factory import pull_asset
from pipeline.lib.raw_schema import Endpoint

RAWDATA = Endpoint("kore", "rawdata", "$.results[*]", KNOWN_RECORD_KEYS, record_rows=True)


def build_kore_assets(partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    return [
        pull_asset(
            "kore",
            RAWDATA,
            KoreClient,
            KoreClient.iter_pages,
            partitions_def=partitions_def,
            description=(
                "Kore.ai Quality AI rawdata records for one UTC day, each stored exactly as "
                f"received in {RAWDATA.table}, one row per record beside its page's envelope."
            ),
        )
    ]
