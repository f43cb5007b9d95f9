"""CQA's settings, declared once: read from `CQA_*` variables and used as its resource."""

from __future__ import annotations

from pydantic import Field

from pipeline.lib.vendor import VendorSettings, secret


class CqaResource(VendorSettings):
    """An Exotel CQA account; the API key goes in `X-API-Key`."""

    env_prefix = "CQA_"
    local_paths = ("inbox_path",)

    base_url: str = Field(description="e.g. https://cqa.exotel.com/cqa, used exactly as given")
    account_id: str = Field(description="the tenant's account id")
    api_key: str = secret(description="the account's API key")
    get_requests_per_minute: int = Field(default=300, ge=1, description="tenant GET limit")
    post_requests_per_minute: int = Field(default=100, ge=1, description="tenant ingest limit")
    max_pages: int = Field(default=200, ge=1, description="hard cap on pages per window")
    inbox_path: str = Field(
        default="data/cqa_inbox", description="the folder of CSV / NDJSON files to push to CQA"
    )
    column_mapping: dict[str, str] = Field(
        default_factory=dict,
        description="a JSON object mapping inbox CSV headers to CQA's columns, e.g. "
        '{"call_id": "external_interaction_id"}',
    )
