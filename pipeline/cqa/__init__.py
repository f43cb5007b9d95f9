"""Exotel CQA: analyses pulled by date window, with their interactions; interactions pushed
from an inbox folder."""

from pipeline.cqa.assets import ANALYSES, ENDPOINTS
from pipeline.cqa.definitions import DAILY_JOB, PUSH_JOB, cqa_definitions
from pipeline.cqa.resources import CqaResource
from pipeline.cqa.submit import IN_PROGRESS
from pipeline.lib.vendor import PULL, SUBMIT, Vendor

VENDOR = Vendor(
    name="cqa",
    label="Exotel CQA",
    settings=CqaResource,
    endpoints=ENDPOINTS,
    definitions=cqa_definitions,
    daily_job=DAILY_JOB,
    once_job=PUSH_JOB,
    freshness=ANALYSES,
    in_progress=IN_PROGRESS,
    shapes=(PULL, SUBMIT),
    scores=True,
    revises=True,
    calibrates=True,
    colour="#d97706",
)
