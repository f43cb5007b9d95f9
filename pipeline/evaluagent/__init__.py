"""EvaluAgent: evaluations with line items, users and groups, conversation analytics."""

from pipeline.evaluagent.assets import ENDPOINTS, EVALUATIONS
from pipeline.evaluagent.definitions import DAILY_JOB, DIRECTORY_JOB, evaluagent_definitions
from pipeline.evaluagent.resources import EvaluAgentResource
from pipeline.lib.vendor import Vendor

VENDOR = Vendor(
    name="evaluagent",
    label="EvaluAgent",
    settings=EvaluAgentResource,
    endpoints=ENDPOINTS,
    definitions=evaluagent_definitions,
    daily_job=DAILY_JOB,
    once_job=DIRECTORY_JOB,
    freshness=EVALUATIONS,
    scores=True,
    revises=True,
    lists_agents=True,
    colour="#16a34a",
)
