"""Voxxi: calls submitted from an inbox, their analyses polled until final."""

from pipeline.lib.vendor import SUBMIT, Vendor
from pipeline.voxxi.assets import ENDPOINTS
from pipeline.voxxi.definitions import SYNC_JOB, voxxi_definitions
from pipeline.voxxi.models import IN_PROGRESS
from pipeline.voxxi.resources import VoxxiResource

VENDOR = Vendor(
    name="voxxi",
    label="Voxxi",
    settings=VoxxiResource,
    endpoints=ENDPOINTS,
    definitions=voxxi_definitions,
    once_job=SYNC_JOB,
    in_progress=IN_PROGRESS,
    shapes=(SUBMIT,),
    scores=True,
    lists_agents=True,
    insights=True,
    colour="#9333ea",
)
