"""The CQA resource: configuration in, a ready client out."""

from dagster import ConfigurableResource
from pydantic import Field

from pipeline.cqa.client import CqaClient, CqaConfig


class CqaResource(ConfigurableResource):
    """Exotel CQA account; the API key arrives as an `EnvVar`."""

    base_url: str = Field(description="e.g. https://cqa.exotel.com/cqa, used exactly as given")
    account_id: str
    api_key: str
    get_requests_per_minute: int = Field(default=300, ge=1)
    post_requests_per_minute: int = Field(default=100, ge=1)
    max_pages: int = Field(default=200, ge=1)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=0.5, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    inbox_path: str = Field(default="data/cqa_inbox", description="files to push to CQA")
    column_mapping: dict[str, str] = Field(
        default_factory=dict, description="inbox CSV header -> CQA canonical column"
    )

    def client(self) -> CqaClient:
        return CqaClient(
            CqaConfig(
                base_url=self.base_url,
                account_id=self.account_id,
                api_key=self.api_key,
                get_requests_per_minute=self.get_requests_per_minute,
                post_requests_per_minute=self.post_requests_per_minute,
                max_pages=self.max_pages,
                max_attempts=self.max_attempts,
                backoff_initial=self.backoff_initial_seconds,
                timeout=self.timeout_seconds,
            )
        )
