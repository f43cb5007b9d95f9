"""ExoVoiceAnalyze client: ask for a call's insights. There is nothing to fetch back: Exotel
posts the results to the callback URL (`pipeline/lib/receive/`). Both of Exotel's error
shapes are read: `ResponseData` (this API's own) and `RestException` (the platform's, on a
rate limit)."""

from __future__ import annotations

from typing import Any

import httpx

from pipeline.exotel.models import InsightsRequested
from pipeline.exotel.resources import ExotelResource
from pipeline.lib.http import (
    ClientRequestError,
    MaybeSentError,
    RateBudget,
    VendorClient,
    VendorHttp,
    VendorHTTPError,
    status_error,
)
from pipeline.lib.receive.callback import SIGNATURE_PATTERN, SignedCallback
from pipeline.lib.redaction import Redactor


def _message(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    data = body.get("ResponseData") or body.get("RestException")
    if isinstance(data, dict):
        parts = [str(data.get(k)) for k in ("Message", "Description") if data.get(k)]
        return ": ".join(parts)
    return str(body.get("reason") or body.get("message") or "")


def _status(response: httpx.Response, body: Any) -> int:
    """The status Exotel means: its body's `http_code` when the HTTP status says less."""
    status = response.status_code
    if status < 400 and isinstance(body, dict):
        code = body.get("http_code")
        if isinstance(code, int) and code >= 400:
            return code
    return status


CREDENTIALS = (
    "EXOTEL_API_KEY, EXOTEL_API_TOKEN and that ExoVoiceAnalyze is enabled for EXOTEL_ACCOUNT_SID"
)


def _classify(response: httpx.Response, body: Any, label: str) -> VendorHTTPError | None:
    """Exotel may answer an error with HTTP 200 and its status in the body's `http_code`: the
    shared mapping of that status. Otherwise the HTTP status says it (VendorHttp's default)."""
    status = _status(response, body)
    if status == response.status_code or status < 400:
        return None
    return status_error(status, label, _message(body), credentials=CREDENTIALS)


class ExotelClient(VendorClient):
    def __init__(self, config: ExotelResource) -> None:
        self.config = config
        self.callback = SignedCallback("exotel", config.webhook_secret)
        self.redactor = Redactor(
            [config.api_key, config.api_token, config.webhook_secret], [SIGNATURE_PATTERN]
        )
        self.http = VendorHttp(
            "exotel",
            config.base_url,
            budget=RateBudget(config.requests_per_minute, config.rate_period_seconds),
            budget_scope=f"exotel:{config.account_sid}",
            auth=(config.api_key, config.api_token),
            headers={"Content-Type": "application/json"},
            redactor=self.redactor,
            **config.retrying(),
            classify=_classify,
            error_text=_message,
            credentials=CREDENTIALS,
        )

    def request_insights(self, call_sid: str, task: str) -> InsightsRequested:
        """POST .../Calls/{call_sid}/ExoVoiceAnalyze.json: charged and not idempotent, so
        retried only when it surely never arrived."""
        body: dict[str, Any] = {
            "task_id": task,
            "callback_url": self.callback.url(self.config.callback_url, task),
            "insight_tasks": self.config.tasks,
        }
        if "categorise" in self.config.tasks:
            body["categories"] = self.config.category_list
        response = self.http.request_json(
            "POST",
            f"Accounts/{self.config.account_sid}/Calls/{call_sid}/ExoVoiceAnalyze.json",
            json_body=body,
            what=f"insights of call {call_sid}",
            create=True,
        )
        try:
            answer = InsightsRequested.read(response.data)
        except ValueError as exc:
            # It was accepted (2xx) but says nothing we can use: it may have been queued.
            raise MaybeSentError(
                f"exotel insights of call {call_sid}: unreadable answer: {exc}",
                status=response.status,
            ) from None
        if answer.success is False:
            raise ClientRequestError(
                f"exotel insights of call {call_sid}: refused: {answer.reason or 'no reason'}"
            )
        if answer.job is None:
            raise MaybeSentError(
                f"exotel insights of call {call_sid}: no job in the answer",
                status=response.status,
            )
        return answer
