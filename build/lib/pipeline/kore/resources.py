"""The Kore resource: configuration in, a ready client out."""

from dagster import ConfigurableResource
from pydantic import Field

from pipeline.kore.client import KoreClient, KoreConfig


class KoreResource(ConfigurableResource):
    """Kore.ai Quality AI account; secrets arrive as `EnvVar`s and never as literals."""

    base_url: str = Field(description="e.g. https://platform.kore.ai, used exactly as given")
    stream_id: str
    account_id: str
    org_id: str
    client_id: str
    client_secret: str
    include_below_threshold: bool = False
    page_size: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=1000, ge=1)
    requests_per_minute: int = Field(default=60, ge=1)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=0.5, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)

    def client(self) -> KoreClient:
        return KoreClient(
            KoreConfig(
                base_url=self.base_url,
                stream_id=self.stream_id,
                account_id=self.account_id,
                org_id=self.org_id,
                client_id=self.client_id,
                client_secret=self.client_secret,
                include_below_threshold=self.include_below_threshold,
                page_size=self.page_size,
                max_pages=self.max_pages,
                requests_per_minute=self.requests_per_minute,
                max_attempts=self.max_attempts,
                backoff_initial=self.backoff_initial_seconds,
                timeout=self.timeout_seconds,
            )
        )
