"""EvaluAgent's settings, declared once: read from `EVALUAGENT_*` variables, used as its
resource."""

from __future__ import annotations

from pydantic import Field

from pipeline.lib.vendor import VendorSettings, secret


class EvaluAgentResource(VendorSettings):
    """An EvaluAgent API key, sent as HTTP Basic auth."""

    env_prefix = "EVALUAGENT_"

    access_key_id: str = Field(description="the API key's Access Key ID")
    secret_key: str = secret(description="the API key's Secret Key")
    region: str = Field(default="eu", description="eu, us-east or aus")
    base_url: str | None = Field(default=None, description="overrides the region's URL")
    requests_per_minute: int = Field(default=100, ge=1, description="per endpoint, as limited")
    rate_period_seconds: float = Field(default=60.0, gt=0)
    # EvaluAgent's other limit: 10,000 requests a day per key and endpoint.
    requests_per_day: int = Field(default=10_000, ge=1, description="per endpoint, as limited")
    # Only tests shorten the day, to see the daily budget at work.
    rate_day_seconds: float = Field(default=86_400.0, gt=0)
    max_pages: int = Field(default=2000, ge=1)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=0.5, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    analytics_enabled: bool = Field(default=False, description="pull conversation analytics")
    analytics_path: str = "analytics/conversations"
    analytics_integration: str | None = Field(
        default=None, description="the `integration` value conversation analytics requires"
    )
