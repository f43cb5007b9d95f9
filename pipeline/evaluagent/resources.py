"""EvaluAgent's settings, declared once: read from `EVALUAGENT_*` variables, used as its
resource."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.lib.vendor import VendorSettings, secret


class EvaluAgentResource(VendorSettings):
    """An EvaluAgent API key, sent as HTTP Basic auth."""

    env_prefix = "EVALUAGENT_"

    access_key_id: str = Field(description="the API key's Access Key ID")
    secret_key: str = secret(description="the API key's Secret Key")
    region: Literal["eu", "us-east", "aus"] = Field(
        default="eu", description="the API's region: eu, us-east or aus"
    )
    base_url: str | None = Field(
        default=None,
        description="e.g. https://api.evaluagent.com/v1; overrides the region's URL",
    )
    requests_per_minute: int = Field(
        default=100, ge=1, description="EvaluAgent's limit per key and endpoint"
    )
    requests_per_day: int = Field(
        default=10_000,
        ge=1,
        description="EvaluAgent's daily limit per key and endpoint: past it, a run goes on at "
        "the pace the rolling day frees requests, and says so",
    )
    rate_day_seconds: float = Field(
        default=86_400.0, gt=0, description="the daily budget's period; only tests shorten it"
    )
    max_pages: int = Field(default=2000, ge=1, description="hard cap on pages per listing")
    analytics_enabled: bool = Field(
        default=False, description="pull conversation analytics by contact date"
    )
    analytics_path: str = Field(
        default="analytics/conversations", description="the conversation analytics endpoint"
    )
    analytics_integration: str | None = Field(
        default=None, description="the `integration` value conversation analytics requires"
    )
