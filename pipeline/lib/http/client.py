"""The one HTTP client every vendor client uses.

httpx for transport, tenacity for retries with jitter, pyrate-limiter for the per-vendor rate
budget (`budgets.py`). Errors are classified once (`errors.py`); a vendor adds only its own
body-code rules, the text of its error bodies and the variables its credentials come from.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import httpx
from pyrate_limiter import Limiter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pipeline.lib.http.bodies import (
    UNPARSED,
    Expect,
    JsonResponse,
    decode_strictly,
    parse_json,
    top_level,
    validate_expected,
)
from pipeline.lib.http.budgets import RateBudget, budget_spent, shared_limiter
from pipeline.lib.http.errors import (
    ErrorClassifier,
    MalformedBodyError,
    MaybeSentError,
    RetryableError,
    VendorHTTPError,
    parse_retry_after,
    status_error,
)
from pipeline.lib.json_text import escape_lone_surrogates
from pipeline.lib.redaction import Redactor

log = logging.getLogger("pipeline.lib.http")

MAX_RETRY_AFTER_SECONDS = 120.0

# Transport errors raised before any byte of the request left: safe to send again.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
InvalidBodyHook = Callable[[str, str, str], None]


@dataclass
class RequestStats:
    """What a client did, for run metadata."""

    requests: int = 0
    retries: int = 0
    malformed_bodies: int = 0
    # Lone surrogate escapes stored as their text (`json_text`): the one change to a body.
    escaped_surrogates: int = 0
    # 1 when the vendor's daily budget was spent and the run went on at its pace.
    paced_by_daily_budget: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    # A client may have several requests in flight on worker threads (Kore's pages ahead).
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, what: str, by: int = 1) -> None:
        """Add to `requests`, `retries`, `malformed_bodies` or `escaped_surrogates`."""
        with self._lock:
            setattr(self, what, getattr(self, what) + by)

    def count_status(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    def as_metadata(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "malformed_bodies": self.malformed_bodies,
            "escaped_surrogates": self.escaped_surrogates,
            "paced_by_daily_budget": self.paced_by_daily_budget,
            "rate_limited": self.statuses.get(429, 0),
            "server_errors": sum(n for s, n in self.statuses.items() if s >= 500),
        }


class _WaitRetryAfterOrBackoff:
    """Honour the server's Retry-After when it gave one, else exponential backoff with jitter."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = wait_exponential_jitter(initial=initial, max=maximum, jitter=initial)

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            # A little jitter so that parallel clients do not return in lockstep.
            return min(retry_after, MAX_RETRY_AFTER_SECONDS) + random.uniform(0, 0.1)
        return self._backoff(retry_state)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The TLS settings httpx would make for each client (its CA bundle, `SSL_CERT_FILE`),
    made once per process: making them loads the whole CA bundle, tens of milliseconds, and
    every step makes its vendor clients anew. A context is safe to share between threads."""
    return httpx.create_ssl_context()


class VendorHttp:
    """A rate-limited, retrying JSON client for one vendor account."""

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        budget: RateBudget,
        budget_scope: str,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        redactor: Redactor | None = None,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        classify: ErrorClassifier | None = None,
        error_text: Callable[[Any], str | None] | None = None,
        credentials: str = "",
        concurrency: int = 1,
    ) -> None:
        """`classify` is the vendor's own rules (body codes) before the shared mapping of
        statuses (`errors.status_error`); `error_text` reads the message out of its error
        bodies (else the body is quoted); `credentials` names the variables to check when it
        refuses them."""
        self.vendor = vendor
        # How many independent requests (details, polls) may be in flight at once.
        self.concurrency = concurrency
        self.redactor = redactor or Redactor()
        self.stats = RequestStats()
        self._budget = budget
        self._budget_scope = budget_scope
        self._daily_budget_said = False
        self._classify = classify
        self._error_text = error_text
        self._credentials = credentials
        self._max_attempts = max_attempts
        self._wait = _WaitRetryAfterOrBackoff(backoff_initial, backoff_max)
        # How a retry waits: a test puts its own here, to see the wait asked for.
        self.sleep: Callable[[float], None] = time.sleep
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=dict(headers or {}),
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            verify=_tls_context(),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> VendorHttp:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request_json(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        what: str = "",
        on_invalid_body: InvalidBodyHook | None = None,
        rate_key: str | None = None,
        expect: Expect | None = None,
        create: bool = False,
    ) -> JsonResponse:
        """Send one request, retrying what is worth retrying; returns the parsed JSON body.

        `what` describes the request for error messages (e.g. "rawdata page 3 of 2026-03-23").
        `on_invalid_body(what, body, reason)` sees every body that was not valid JSON, so the
        caller can quarantine it before the request is retried. `rate_key` selects a separate
        budget for vendors that limit each endpoint on its own. `expect` is the shape a good
        body has (see `JsonResponse`); a body that does not validate as it is parsed in full
        and handled exactly as without it.
        """
        scope = f"{self._budget_scope}:{rate_key}" if rate_key else self._budget_scope
        limiter = shared_limiter(scope, self._budget)
        daily = self._budget.daily()
        day_limiter = shared_limiter(f"{scope}:day", daily) if daily else None
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetryableError),
            before_sleep=self._before_sleep,
            sleep=lambda seconds: self.sleep(seconds),
            reraise=True,
        )
        return retrying(
            self._send_once,
            limiter,
            day_limiter,
            method,
            path,
            json_body,
            params,
            headers,
            what,
            on_invalid_body,
            expect,
            create,
        )

    def _say_daily_budget(self, what: str) -> None:
        """Once per client: the run goes on at the pace the vendor's daily budget allows."""
        if self._daily_budget_said:
            return
        self._daily_budget_said = True
        self.stats.count("paced_by_daily_budget")
        log.warning(
            "%s: its budget of %d requests a day is spent (at %s): the run goes on at the pace "
            "the budget frees, one request as each of the day's oldest ages out",
            self.vendor,
            self._budget.per_day,
            what or "a request",
        )

    def _before_sleep(self, retry_state: RetryCallState) -> None:
        self.stats.count("retries")
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        log.warning(
            "%s: retrying after attempt %d: %s (waiting %.1fs)",
            self.vendor,
            retry_state.attempt_number,
            exc,
            retry_state.upcoming_sleep,
        )

    def _send_once(
        self,
        limiter: Limiter,
        day_limiter: Limiter | None,
        method: str,
        path: str,
        json_body: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        what: str,
        on_invalid_body: InvalidBodyHook | None,
        expect: Expect | None,
        create: bool = False,
    ) -> JsonResponse:
        if day_limiter is not None:
            if budget_spent(day_limiter, self.vendor):
                # The day's budget is spent: the acquire waits for the rolling day to free a
                # slot.
                self._say_daily_budget(what)
            day_limiter.try_acquire(self.vendor)
        limiter.try_acquire(self.vendor)
        self.stats.count("requests")
        request = self._client.build_request(
            method, path.lstrip("/"), json=json_body, params=params, headers=headers
        )
        label = f"{self.vendor} {method} {self.redactor.url(str(request.url))}"
        if what:
            label += f" ({what})"
        try:
            response = self._client.send(request)
        except httpx.RequestError as exc:
            # Transport errors, and a body whose content encoding cannot be undone
            # (`DecodingError`): both worth another attempt at a read.
            message = f"{label}: {type(exc).__name__}: {self.redactor.text(str(exc))}"
            if create and not isinstance(exc, _NEVER_SENT):
                raise MaybeSentError(message) from None
            raise RetryableError(message) from None
        self.stats.count_status(response.status_code)
        # The one change made to a body: what DuckDB's JSON type and the fast parsers refuse,
        # written as the text of its escape (`json_text`).
        content, escaped = escape_lone_surrogates(response.content)
        if escaped:
            self.stats.count("escaped_surrogates", escaped)
            log.warning(
                "%s: %d lone surrogate escapes (half a character) kept as their text",
                label,
                escaped,
            )
        expected = validate_expected(expect, content) if response.status_code < 400 else None
        invalid: str | None = None
        text: str | None = None
        data: Any = UNPARSED
        if expected is not None:
            body = top_level(expected)
        else:
            # Parsed once, here: the vendor's classifier and the caller both use this result.
            text, invalid = decode_strictly(content, response.charset_encoding)
            data = None
            if invalid is None:
                try:
                    data = parse_json(text)
                except ValueError as exc:
                    invalid = f"invalid JSON ({exc})"
            body = data

        error = self._classify(response, body, label) if self._classify else None
        if error is None and response.status_code >= 400:
            error = self._default_error(response, body, label, text or "")
        if error is not None:
            if isinstance(error, RetryableError) and error.retry_after is None:
                # A vendor's own rule for a rate limit still waits what the header asks.
                error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if create and isinstance(error, RetryableError) and error.status != 429:
                error = MaybeSentError(str(error), status=error.status)
            raise self._redacted(error) from None

        if invalid is not None:
            assert text is not None
            self.stats.count("malformed_bodies")
            reason = f"{invalid} in a {len(text)}-character body"
            if on_invalid_body is not None:
                on_invalid_body(what, self.redactor.text(text), reason)
            if create:
                raise MaybeSentError(f"{label}: {reason}", status=response.status_code)
            raise MalformedBodyError(f"{label}: {reason}", status=response.status_code) from None
        return JsonResponse(response.status_code, content, text, data, expected)

    def _redacted(self, error: VendorHTTPError) -> VendorHTTPError:
        """The error with every known secret masked: vendor error text is data from outside,
        and a vendor may echo what it was sent (a key, a token) into it."""
        error.args = (self.redactor.text(str(error)), *error.args[1:])
        return error

    def _default_error(
        self, response: httpx.Response, body: Any, label: str, text: str
    ) -> VendorHTTPError:
        said = self._error_text(body) if self._error_text is not None else None
        # Masked before it is cut: a secret across the cut would otherwise leak in part.
        detail = self.redactor.text((said or text).strip())[:300]
        return status_error(
            response.status_code,
            label,
            detail,
            credentials=self._credentials,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )


class VendorClient:
    """What every vendor's client is: its API on one `VendorHttp` (`http`), used as a context
    manager so that its connections close however the work ends."""

    http: VendorHttp

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
