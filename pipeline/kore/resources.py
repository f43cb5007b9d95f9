"""Kore's settings, declared once: read from `KORE_*` variables and used as its resource."""

from __future__ import annotations

from pydantic import Field

from pipeline.lib.vendor import VendorSettings, secret


class KoreResource(VendorSettings):
    """A Kore.ai Quality AI account (the `rawdata` endpoint's app, account and org)."""

    env_prefix = "KORE_"

    base_url: str = Field(description="e.g. https://platform.kore.ai, used exactly as given")
    stream_id: str = Field(description="the bot or app id, st-<uuid>")
    account_id: str = Field(description="24 hex characters")
    org_id: str = Field(description="o-<uuid>")
    client_id: str = Field(description="the JWT app's Client ID, cs-<uuid>")
    client_secret: str = secret(description="the JWT app's Client Secret")
    include_below_threshold: bool = Field(
        default=False, description="also pull contacts below the duration threshold"
    )
    page_size: int = Field(default=100, ge=1, le=100, description="records per page, at most 100")
    max_pages: int = Field(default=1000, ge=1, description="hard cap on pages per window")
    requests_per_minute: int = Field(default=60, ge=1, description="Kore's account limit")
