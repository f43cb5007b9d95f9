"""Voxxi client: create a call, upload a recording through a presigned URL, poll a call's
analysis, list agents. Both of Voxxi's error shapes are read (`{"error": "..."}` and
`{"error": {"code", "message", "type"}}`)."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from pipeline.lib.http import (
    ClientRequestError,
    InvalidBodyHook,
    JsonResponse,
    RateBudget,
    RetryableError,
    VendorClient,
    VendorHttp,
)
from pipeline.lib.pull.pages import Page
from pipeline.lib.pull.paging import parse_page
from pipeline.lib.redaction import Redactor
from pipeline.voxxi.models import AgentList, CallCreated
from pipeline.voxxi.resources import VoxxiResource


def _message(body: Any) -> str:
    """The message of either error shape Voxxi has documented."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "")
    return str(error or body.get("message") or "")


class VoxxiClient(VendorClient):
    def __init__(self, config: VoxxiResource) -> None:
        self.config = config
        self.redactor = Redactor([config.api_token])
        header = (
            {"Authorization": f"Bearer {config.api_token}"}
            if config.auth_header == "authorization"
            else {"x-api-key": config.api_token}
        )
        self.http = VendorHttp(
            "voxxi",
            config.base_url,
            budget=RateBudget(config.requests_per_minute, config.rate_period_seconds),
            # No account id in Voxxi's API: the budget is per workspace URL.
            budget_scope=f"voxxi:{config.base_url}",
            headers={**header, "Content-Type": "application/json"},
            redactor=self.redactor,
            **config.retrying(),
            error_text=_message,
            credentials="VOXXI_API_TOKEN, and VOXXI_AUTH_HEADER for how it is sent",
        )

    def create_call(self, payload: dict[str, Any]) -> CallCreated:
        """POST /calls: not idempotent, so retried only when it surely never arrived."""
        response = self.http.request_json(
            "POST", "calls", json_body=payload, what="create call", create=True
        )
        return CallCreated.model_validate(response.data)

    def upload(self, path: Path) -> str:
        """A local recording put where Voxxi can fetch it: a presigned URL asked for, the file
        PUT there. Returns the public URL to create the call with."""
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = self.http.request_json(
            "POST",
            "calls/presigned-url",
            json_body={"filename": path.name, "contentType": content_type},
            what=f"upload URL for {path.name}",
        )
        data = response.data.get("data") or {}
        presigned, public = data.get("presignedUrl"), data.get("publicUrl")
        if not presigned or not public:
            raise ClientRequestError(f"voxxi upload URL for {path.name}: no URL in the answer")
        # The storage URL is not Voxxi's API: no key goes with it.
        put = httpx.put(
            presigned,
            content=path.read_bytes(),
            headers={"Content-Type": content_type},
            timeout=self.config.timeout_seconds * 4,
        )
        if put.status_code >= 300:
            raise RetryableError(
                f"voxxi upload of {path.name}: HTTP {put.status_code}", status=put.status_code
            )
        return public

    def analysis(self, call_id: str) -> JsonResponse:
        return self.http.request_json(
            "GET", f"calls/{call_id}/analysis", what=f"analysis of call {call_id}"
        )

    def agent_pages(self, on_invalid_body: InvalidBodyHook) -> Iterator[Page]:
        """Every active agent: one page, unpaginated as documented."""
        response = self.http.request_json(
            "GET", "agents", what="agents", on_invalid_body=on_invalid_body
        )
        agents = parse_page(
            AgentList, response, vendor="voxxi", what="agents", on_invalid=on_invalid_body
        )
        yield Page(1, response.text, {}, records=len(agents.data))
