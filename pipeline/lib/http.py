"""The one HTTP layer every vendor client uses.

httpx for transport, tenacity for retries with jitter, pyrate-limiter for the per-vendor rate
budget. Errors are classified once here; a vendor adds only its own body-code rules.
"""

from __future__ import annotations

import codecs
import logging
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ValidationError
from pyrate_limiter import Limiter, PostgresBucket, Rate, SQLiteBucket
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pipeline.lib import json_text
from pipeline.lib.json_text import escape_lone_surrogates
from pipeline.lib.redaction import Redactor

log = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS = 120.0
RATE_SLACK_SECONDS = 1.0


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


@dataclass(frozen=True)
class RateBudget:
    """A request budget, e.g. 60 per 60 seconds, shared by every client of one vendor account;
    and, for a vendor that also limits a day (EvaluAgent: 10,000 a day per endpoint), a daily
    one: past it, requests wait for the rolling day to free a slot, so a backfill paces itself
    across days instead of failing on the vendor's 429s."""

    requests: int
    per_seconds: float
    per_day: int | None = None
    # Only tests shorten the day, to see the daily budget at work.
    day_seconds: float = 86_400.0

    def limiter_key(self, scope: str) -> str:
        return f"{scope}:{self.requests}/{self.per_seconds}"

    def daily(self) -> RateBudget | None:
        """The day's budget on its own (a limiter of its own: its requests wait apart)."""
        if self.per_day is None:
            return None
        return RateBudget(self.per_day, self.day_seconds)


_LIMITERS: dict[str, Limiter] = {}
_LIMITERS_LOCK = threading.Lock()
# Where budgets are counted: a SQLite file (one machine), a PostgreSQL URL (every machine of
# a deployment), or None (this process alone).
_RATE_STATE: dict[str, Path | str | None] = {"state": None}
_POOLS: dict[str, Any] = {}


def use_shared_rate_state(state: Path | str | None) -> None:
    """Keep rate budgets where every process of this deployment counts against the same
    budget, so consecutive or parallel runs of one vendor never exceed its limit together: a
    SQLite file (pyrate-limiter's bucket, behind a file lock) for one machine, or a
    `postgresql://` URL (its PostgreSQL bucket) for runs on several. None keeps budgets per
    process."""
    with _LIMITERS_LOCK:
        if _RATE_STATE["state"] != state:
            _RATE_STATE["state"] = state
            _LIMITERS.clear()


def _postgres_bucket(url: str, table: str, rates: list[Rate]) -> PostgresBucket:
    from psycopg_pool import ConnectionPool

    if url not in _POOLS:
        # Opened once per process; a request takes a connection for one statement. libpq
        # reads `postgresql://`; the SQLAlchemy driver suffix Dagster's URL carries is not
        # its business.
        conninfo = re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)
        _POOLS[url] = ConnectionPool(conninfo, min_size=1, max_size=4, open=True)
    return PostgresBucket(_POOLS[url], table, rates)


def shared_limiter(scope: str, budget: RateBudget) -> Limiter:
    """One limiter per vendor account (scope), shared by every client of this process and,
    with `use_shared_rate_state`, by every process."""
    key = budget.limiter_key(scope)
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            # The window is a little longer than the vendor's: a request leaves here before it
            # arrives there, and the vendor's clock decides.
            rate = Rate(budget.requests, int((budget.per_seconds + RATE_SLACK_SECONDS) * 1000))
            state = _RATE_STATE["state"]
            table = "budget_" + re.sub(r"[^0-9a-zA-Z]+", "_", key)
            if state is None:
                _LIMITERS[key] = Limiter(rate)
            elif isinstance(state, str):
                _LIMITERS[key] = Limiter(_postgres_bucket(state, table.lower(), [rate]))
            else:
                state.parent.mkdir(parents=True, exist_ok=True)
                bucket = SQLiteBucket.init_from_file(
                    [rate], table=table, db_path=str(state), use_file_lock=True
                )
                _LIMITERS[key] = Limiter(bucket)
        return _LIMITERS[key]


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


def parse_json(text: str | bytes) -> Any:
    """orjson first: it parses a page of records about 2.5 times faster than `json`, and
    parsing is most of a client's work per page. A body orjson refuses goes through `json`
    too, so the error names the position the way Python does; one nested deeper than Python
    parses is read down to the depth the client steers by (`json_text.loads`). The parsed
    body only steers the client (envelope, ids); the warehouse stores the text as received."""
    return json_text.loads(text)


_UNPARSED: Any = object()


def decode_strictly(content: bytes, charset: str | None) -> tuple[str, str | None]:
    """The body as text in its declared charset (UTF-8 when none), and None; or, for bytes
    that are not valid in it, the text with those bytes escaped and the reason. Nothing is
    replaced silently: a body that is not what it says is a bad body."""
    encoding = charset or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    try:
        return content.decode(encoding), None
    except UnicodeDecodeError as exc:
        return (
            content.decode(encoding, "backslashreplace"),
            f"not valid {encoding} ({exc.reason} at byte {exc.start})",
        )


class JsonResponse:
    """A JSON response: its body as received, and its body parsed.

    When the request named the shape a good body has (`expect`) and the body was read as it,
    `expected` holds what was read and the full parse waits until `data` is first read: the
    envelope and ids come straight from the bytes, without Python objects for the parts of
    the records nobody looks at, which is most of a client's work per page. Such a body is
    also proven UTF-8 JSON, so `body` is the bytes as received and nothing is decoded unless
    `text` is read."""

    def __init__(
        self,
        status: int,
        content: bytes,
        text: str | None = None,
        data: Any = _UNPARSED,
        expected: Any = None,
    ) -> None:
        self.status = status
        self.content = content
        self.expected = expected
        self._text = text
        self._data = data

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.content.decode("utf-8")
        return self._text

    @property
    def body(self) -> str | bytes:
        """What the raw landing stores: the bytes as received when they validated as the
        expected shape (valid UTF-8), else the text as decoded by its declared charset."""
        return self.content if self._text is None else self._text

    @property
    def data(self) -> Any:
        if self._data is _UNPARSED:
            self._data = parse_json(self.content if self._text is None else self._text)
        return self._data


# (response, its body parsed as JSON or None when it is not JSON, label) -> the error, if any.
ErrorClassifier = Callable[[httpx.Response, Any, str], VendorHTTPError | None]
InvalidBodyHook = Callable[[str, str, str], None]


class ExpectedReader(Protocol):
    """Reads a body of the expected shape straight from its bytes: None for a body of
    another shape (or not UTF-8). What it returns carries the body's `top_level` keys."""

    def read(self, content: bytes) -> Any: ...


# The shape a good body has: a pydantic model, or a reader of the client's own.
Expect = type[BaseModel] | ExpectedReader


def _validate_expected(expect: Expect | None, content: bytes) -> Any:
    if expect is None:
        return None
    if isinstance(expect, type) and issubclass(expect, BaseModel):
        try:
            # From the bytes: decoding a page to `str` and pydantic encoding it back would
            # cost more than the validation itself. Bytes that are not UTF-8 fail here and
            # take the decoded-text path below.
            return expect.model_validate_json(content)
        except ValidationError:
            return None
    return expect.read(content)


def _top_level(expected: Any) -> dict[str, Any]:
    """The top-level keys of a body read as expected, for the vendor's error classifier."""
    if isinstance(expected, BaseModel):
        # Keys the model does not declare survive in its dump (extra="allow").
        return expected.model_dump(by_alias=True)
    return expected.top_level


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
    ) -> None:
        self.vendor = vendor
        self.redactor = redactor or Redactor()
        self.stats = RequestStats()
        self._budget = budget
        self._budget_scope = budget_scope
        self._daily_budget_said = False
        self._classify = classify
        self._max_attempts = max_attempts
        self._wait = _WaitRetryAfterOrBackoff(backoff_initial, backoff_max)
        self._client = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            headers=dict(headers or {}),
            auth=auth,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
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
        # A short timeout rather than `blocking=False`, which pyrate-limiter's file-locked
        # SQLite bucket does not take.
        if day_limiter is not None and not day_limiter.try_acquire(self.vendor, timeout=0.2):
            # The day's budget is spent: wait for the rolling day to free a slot.
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
        expected = _validate_expected(expect, content) if response.status_code < 400 else None
        invalid: str | None = None
        text: str | None = None
        data: Any = _UNPARSED
        if expected is not None:
            body = _top_level(expected)
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
            error = self._default_error(response, label, text or "")
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

    def _default_error(self, response: httpx.Response, label: str, text: str) -> VendorHTTPError:
        status = response.status_code
        # Masked before it is cut: a secret across the cut would otherwise leak in part.
        detail = self.redactor.text(text.strip())[:300]
        message = f"{label}: HTTP {status}: {detail}"
        if status in (401, 403):
            return AuthenticationError(message, status=status)
        if status in RETRYABLE_STATUSES:
            return RetryableError(
                message,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return ClientRequestError(message, status=status)
