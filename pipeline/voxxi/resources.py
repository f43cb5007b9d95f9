"""Voxxi's settings, declared once: read from `VOXXI_*` variables and used as its resource."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from pipeline.lib.vendor import VendorSettings, secret


class VoxxiResource(VendorSettings):
    """A Voxxi workspace's API key."""

    env_prefix = "VOXXI_"
    local_paths = ("inbox_path", "recordings_path")

    base_url: str = Field(
        description="e.g. https://app.voxxi.ai/api/external/v1, used exactly as given"
    )
    api_token: str = secret(description="the workspace's API key")
    # Voxxi takes the key as a bearer token or in `x-api-key`; both are documented.
    auth_header: Literal["authorization", "x-api-key"] = "authorization"
    inbox_path: str = Field(default="data/voxxi_inbox", description="calls to submit")
    # Local recordings are read from this folder only (by default the inbox itself).
    recordings_path: str | None = Field(
        default=None, description="the folder local recordings are read from"
    )
    # Voxxi documents no rate limit: a conservative budget, for all requests together.
    requests_per_minute: int = Field(default=60, ge=1)
    rate_period_seconds: float = Field(default=60.0, gt=0)
    # A call still unfinished this long after it was submitted is failed, not polled forever.
    result_timeout_hours: float = Field(default=48.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)
    backoff_initial_seconds: float = Field(default=0.5, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)

    @property
    def recordings(self) -> Path:
        return Path(self.recordings_path or self.inbox_path)
