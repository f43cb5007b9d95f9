"""Per-vendor request budgets, shared by every client of one vendor account and, through a
SQLite file or PostgreSQL, by every process (pyrate-limiter)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyrate_limiter import Limiter, PostgresBucket, Rate, SQLiteBucket

RATE_SLACK_SECONDS = 1.0


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


def budget_spent(limiter: Limiter, name: str) -> bool:
    """Whether the limiter's window holds as many requests as its rate allows, so the next one
    must wait for the oldest to age out. Read from the bucket, not from how long an acquire
    took: on a busy machine, or with the rate-state file locked by another request, acquiring
    is slow while the budget still has room."""
    factory = limiter.bucket_factory
    item = factory.wrap_item(name, 1)
    bucket = factory.get(item)
    rate = bucket.rates[0]
    oldest_counted = bucket.peek(rate.limit - 1)
    return oldest_counted is not None and oldest_counted.timestamp > item.timestamp - rate.interval
