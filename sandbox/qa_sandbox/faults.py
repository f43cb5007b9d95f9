"""Fault injection and the vendors' documented rate limits, enforced the way a vendor would."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from starlette.responses import JSONResponse, Response

# A limit no test or benchmark reaches: the vendor's limit switched off.
UNLIMITED = 10**12

FAULT_KINDS = (
    "429_retry_after_seconds",
    "429_retry_after_date",
    "429_no_retry_after",
    "500",
    "502",
    "503",
    "timeout",
    "truncated",
    "html_echo",
    "bad_gzip",
)
# Vendors that echo what they were sent put it deep in their text: past the first 300
# characters a careless client keeps of an error body.
ECHO_PADDING = "x" * 290


class FaultInjector:
    """Scripted faults (consumed in order) and/or a seeded random fault rate."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[str] = deque()
        self.rate = 0.0
        self.kinds: tuple[str, ...] = FAULT_KINDS
        self._random = random.Random(0)
        self.timeout_seconds = 3.0
        self.retry_after_seconds = 1
        # Added before every answer: a real vendor's round trip (the benchmark's vendor time).
        self.latency_seconds = 0.0
        self.injected: Counter[str] = Counter()

    def script(self, *faults: str) -> None:
        for fault in faults:
            if fault not in FAULT_KINDS:
                raise ValueError(f"unknown fault {fault!r}; one of {FAULT_KINDS}")
        with self._lock:
            self._script.extend(faults)

    def set_rate(self, rate: float, *, seed: int = 0, kinds: tuple[str, ...] = FAULT_KINDS) -> None:
        with self._lock:
            self.rate = rate
            self.kinds = kinds
            self._random = random.Random(seed)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.rate = 0.0
            self.injected.clear()
            self.timeout_seconds = 3.0
            self.retry_after_seconds = 1
            self.latency_seconds = 0.0

    async def delay(self) -> None:
        """The vendor's latency, if one is set."""
        if self.latency_seconds:
            await asyncio.sleep(self.latency_seconds)

    def next_fault(self) -> str | None:
        with self._lock:
            if self._script:
                fault = self._script.popleft()
            elif self.rate and self._random.random() < self.rate:
                fault = self._random.choice(self.kinds)
            else:
                return None
            self.injected[fault] += 1
            return fault

    async def respond(self, fault: str, good_body: bytes, echo: str = "") -> Response:
        """The response a fault produces; `truncated` cuts a good body in half; `html_echo` is
        a proxy's HTML page, sent with 200, that echoes the credential of the request."""
        if fault == "429_retry_after_seconds":
            return _error(429, {"Retry-After": str(self.retry_after_seconds)})
        if fault == "429_retry_after_date":
            when = datetime.now(UTC) + timedelta(seconds=self.retry_after_seconds + 1)
            return _error(429, {"Retry-After": format_datetime(when, usegmt=True)})
        if fault == "429_no_retry_after":
            return _error(429, {})
        if fault in ("500", "502", "503"):
            return _error(int(fault), {})
        if fault == "timeout":
            await asyncio.sleep(self.timeout_seconds)
            return _error(504, {})
        if fault == "truncated":
            return Response(good_body[: max(1, len(good_body) // 2)], media_type="application/json")
        if fault == "bad_gzip":
            # Says it is gzip and is not: the client cannot undo the content encoding.
            return Response(
                good_body, media_type="application/json", headers={"Content-Encoding": "gzip"}
            )
        if fault == "html_echo":
            page = f"<html><body><h1>Upstream error</h1><p>{ECHO_PADDING}</p><p>{echo}</p></body>"
            return Response(page, media_type="text/html")
        raise ValueError(fault)


def _error(status: int, headers: dict[str, str]) -> Response:
    messages = {
        429: "Rate limit exceeded: per-minute limit reached, wait before retrying",
        500: "Internal server error",
        502: "Bad gateway",
        503: "Service unavailable",
        504: "Gateway timeout",
    }
    return JSONResponse({"msg": messages[status], "code": status}, status, headers=headers)


class SlidingWindowLimit:
    """At most `requests` per `per_seconds` per key; counts what it refused."""

    def __init__(self, requests: int, per_seconds: float = 60.0) -> None:
        self.requests = requests
        self.per_seconds = per_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.refused = 0

    def check(self, key: str) -> float | None:
        """None when allowed, else the seconds until a slot frees."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.per_seconds:
                hits.popleft()
            if len(hits) >= self.requests:
                self.refused += 1
                return hits[0] + self.per_seconds - now
            hits.append(now)
            return None
