"""What a request to a vendor can end in, classified once for every vendor.

Each vendor adds only its own body-code rules (`ErrorClassifier`); the mapping from an HTTP
status to an error (`status_error`) is the same for all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class VendorHTTPError(Exception):
    """A request to a vendor failed; the message names vendor, request and reason."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthenticationError(VendorHTTPError):
    """The vendor rejected the credentials. Never retried: it would only lock the key out."""


class RetryableError(VendorHTTPError):
    """Rate limited, a server error, a transport failure or a malformed body: worth retrying."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class MalformedBodyError(RetryableError):
    """The response body is not the JSON the vendor promised (truncated, HTML error page...)."""


class ClientRequestError(VendorHTTPError):
    """A 4xx other than auth or rate limiting: our request is wrong, retrying will not help."""


class MaybeSentError(VendorHTTPError):
    """A create request may have reached the vendor: a timeout after it was sent, a 5xx, a
    connection cut mid-response, an answer that cannot be read. Sending it again could create
    the thing twice, so it is never retried."""


# Transport errors raised before any byte of the request left: safe to send again.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header, in either of its forms (delta or HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


# (response, its body parsed as JSON or None when it is not JSON, label) -> the error, if any.
ErrorClassifier = Callable[[httpx.Response, Any, str], "VendorHTTPError | None"]


def status_error(
    status: int, label: str, detail: str, *, credentials: str = "", retry_after: float | None = None
) -> VendorHTTPError:
    """The error an HTTP status means, for every vendor: 401 and 403 the credentials (never
    retried: it would lock the key out), 429 and 5xx worth another attempt, any other 4xx our
    request. `credentials` names what to check, `detail` is the vendor's text (redacted)."""
    message = f"{label}: HTTP {status}: {detail or 'no message'}"
    if status in (401, 403):
        hint = f" (check {credentials})" if credentials else ""
        return AuthenticationError(message + hint, status=status)
    if status in RETRYABLE_STATUSES or status >= 500:
        return RetryableError(message, status=status, retry_after=retry_after)
    return ClientRequestError(message, status=status)
