"""Exotel ExoVoiceAnalyze: insights requested for the calls of an inbox, their results
received by webhook."""

from pipeline.exotel.assets import ENDPOINTS
from pipeline.exotel.definitions import SYNC_JOB, exotel_definitions
from pipeline.exotel.resources import ExotelResource
from pipeline.exotel.submit import IN_PROGRESS
from pipeline.exotel.webhooks import webhook_source
from pipeline.lib.vendor import RECEIVE, SUBMIT, Vendor

VENDOR = Vendor(
    name="exotel",
    label="Exotel ExoVoiceAnalyze",
    settings=ExotelResource,
    endpoints=ENDPOINTS,
    definitions=exotel_definitions,
    once_job=SYNC_JOB,
    webhook=webhook_source,
    in_progress=IN_PROGRESS,
    shapes=(SUBMIT, RECEIVE),
    insights=True,
    colour="#dc2626",
)
