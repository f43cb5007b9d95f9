"""CQA's settings, declared once: read from `CQA_*` variables and used as its resource."""

from __future__ import annotations

from pydantic import Field

from pipeline.lib.vendor import VendorSettings, secret


class CqaResource(VendorSettings):
    """An Exotel CQA account; the API key goes in `X-API-Key`."""

    env_prefix = "CQA_"
    local_paths = ("inbox_path",)

    base_url: str = Field(description="e.g. https://cqa.exotel.com/cqa, used exactly as given")
    account_id: str
    api_key: str = secret(description="the account's API key")
    get_requests_per_minute: int = Field(default=300, ge=1, description="tenant GET limit")
    post_requests_per_minute: int = Field(default=100, ge=1, description="tenant ingest limit")
    rate_period_seconds: float = Field(default=60.0, gt=0)
    max_pages: int = Field(default=200, ge=1)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=0.5, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    inbox_path: str = Field(default="data/cqa_inbox", description="files to push to CQA")
    column_mapping: dict[str, str] = Field(
        default_factory=dict, description="inbox CSV header -> CQA canonical column"
    )
