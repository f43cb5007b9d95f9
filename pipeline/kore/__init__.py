"""Kore.ai Quality AI: the `rawdata` endpoint, pulled by UTC day."""

from pipeline.kore.assets import RAWDATA
from pipeline.kore.definitions import DAILY_JOB, kore_definitions
from pipeline.kore.resources import KoreResource
from pipeline.lib.vendor import Vendor

VENDOR = Vendor(
    name="kore",
    label="Kore.ai Quality AI",
    settings=KoreResource,
    endpoints=(RAWDATA,),
    definitions=kore_definitions,
    daily_job=DAILY_JOB,
    freshness=RAWDATA,
    scores=True,
    insights=True,
    incremental=True,
    calibrates=True,
    colour="#2563eb",
)
