"""The EvaluAgent resource: configuration in, a ready client out."""

from dagster import ConfigurableResource
from pydantic import Field

from pipeline.evaluagent.client import EvaluAgentClient, EvaluAgentConfig, base_url_for


class EvaluAgentResource(ConfigurableResource):
    """EvaluAgent API key (Basic auth); secrets arrive as `EnvVar`s."""

    access_key_id: str
    secret_key: str
    region: str = Field(default="eu", description="eu, us-east or aus")
    base_url: str | None = Field(default=None, description="overrides the region's URL")
    requests_per_minute: int = Field(default=100, ge=1)
    max_pages: int = Field(default=2000, ge=1)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=0.5, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    analytics_path: str = "analytics/conversations"
    analytics_integration: str | None = None

    def client(self) -> EvaluAgentClient:
        return EvaluAgentClient(
            EvaluAgentConfig(
                access_key_id=self.access_key_id,
                secret_key=self.secret_key,
                base_url=base_url_for(self.region, self.base_url),
                requests_per_minute=self.requests_per_minute,
                max_pages=self.max_pages,
                max_attempts=self.max_attempts,
                backoff_initial=self.backoff_initial_seconds,
                timeout=self.timeout_seconds,
            )
        )
