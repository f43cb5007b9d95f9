"""Waiting in tests on the event itself, never on the clock: poll what is awaited until it
holds; the limit only guards against a hang, generous enough for the busiest machine, and a
timeout says what was still awaited."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Against a hang only: a slow machine never gets near it.
HANG_LIMIT_SECONDS = 600.0


class StillWaiting(AssertionError):
    pass


def wait_until(
    condition: Callable[[], T],
    what: str,
    *,
    interval: float = 0.05,
    process: subprocess.Popen | None = None,
    limit: float = HANG_LIMIT_SECONDS,
) -> T:
    """`condition()`'s first truthy value. `process`, if given, must stay alive meanwhile
    (its exit ends the wait at once, with its status)."""
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise StillWaiting(f"{what}: the process exited ({process.returncode}) first")
        if time.monotonic() > deadline:
            raise StillWaiting(f"still waiting, after {limit:.0f} s, for {what}")
        time.sleep(interval)
