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
    auth_header: Literal["authorization", "x-api-key"] = Field(
        default="authorization",
        description="how the key is sent: authorization (a bearer token) or x-api-key",
    )
    inbox_path: str = Field(
        default="data/voxxi_inbox", description="the folder of CSV / NDJSON calls to submit"
    )
    recordings_path: str | None = Field(
        default=None,
        description="the one folder local recordings are read from (default: the inbox); "
        "a row naming a file elsewhere is refused",
    )
    requests_per_minute: int = Field(
        default=60,
        ge=1,
        description="Voxxi documents no limit: a conservative budget, for all requests",
    )
    result_timeout_hours: float = Field(
        default=48.0,
        gt=0,
        description="a call still unfinished this long after it was submitted is failed, "
        "with that reason, not polled forever",
    )

    @property
    def recordings(self) -> Path:
        return Path(self.recordings_path or self.inbox_path)
