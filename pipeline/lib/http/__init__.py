"""The one HTTP layer every vendor client uses: `client.py` (the client), `errors.py` (what a
request can end in), `budgets.py` (request budgets shared by every process), `bodies.py` (a
body read strictly, parsed once, kept as received)."""

from pipeline.lib.http.bodies import (
    Expect,
    ExpectedReader,
    JsonResponse,
    decode_strictly,
    parse_json,
)
from pipeline.lib.http.budgets import (
    RATE_SLACK_SECONDS,
    RateBudget,
    shared_limiter,
    use_shared_rate_state,
)
from pipeline.lib.http.client import InvalidBodyHook, RequestStats, VendorClient, VendorHttp
from pipeline.lib.http.errors import (
    RETRYABLE_STATUSES,
    AuthenticationError,
    ClientRequestError,
    ErrorClassifier,
    MalformedBodyError,
    MaybeSentError,
    RetryableError,
    VendorHTTPError,
    parse_retry_after,
    status_error,
)

__all__ = [
    "RATE_SLACK_SECONDS",
    "RETRYABLE_STATUSES",
    "AuthenticationError",
    "ClientRequestError",
    "ErrorClassifier",
    "Expect",
    "ExpectedReader",
    "InvalidBodyHook",
    "JsonResponse",
    "MalformedBodyError",
    "MaybeSentError",
    "RateBudget",
    "RequestStats",
    "RetryableError",
    "VendorClient",
    "VendorHTTPError",
    "VendorHttp",
    "decode_strictly",
    "parse_json",
    "parse_retry_after",
    "shared_limiter",
    "status_error",
    "use_shared_rate_state",
]
