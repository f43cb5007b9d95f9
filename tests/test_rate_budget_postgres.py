"""With the instance on PostgreSQL, vendor request budgets live there too: two processes (two
machines, in a deployment) share one budget and together never exceed it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

from tests.postgres_server import postgres_cluster

pytestmark = pytest.mark.production

CLIENT = textwrap.dedent(
    """
    import json, sys, time
    from pipeline.lib.http import RateBudget, shared_limiter, use_shared_rate_state
    url, requests, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    use_shared_rate_state(url)
    limiter = shared_limiter("vendor:account-1", RateBudget(10, 3.0))
    while time.time() < start_at:
        time.sleep(0.005)
    stamps = []
    for _ in range(requests):
        limiter.try_acquire("vendor")
        stamps.append(time.time())
    print(json.dumps(stamps))
    """
)


def test_two_processes_share_one_budget_in_postgres() -> None:
    with postgres_cluster() as libpq_url:
        # As a deployment gives it: Dagster's SQLAlchemy URL, naming its driver.
        url = libpq_url.replace("postgresql://", "postgresql+psycopg2://", 1)
        start_at = time.time() + 3
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", CLIENT, url, "12", str(start_at)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120) for process in processes]
        for process, (_, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err
        _a_full_window_is_a_spent_budget(url)
    stamps = sorted(t for out, _ in outputs for t in json.loads(out))
    assert len(stamps) == 24
    # The budget is 10 requests per 3 s (a little more, the slack the client keeps): no
    # window of that length holds more than 10 of the two processes' requests together.
    window = 3.0
    busiest = max(sum(1 for t in stamps if start <= t < start + window) for start in stamps)
    assert busiest <= 10, f"{busiest} requests within {window} s across both processes"
    # And the budget was the binding constraint: 24 requests took more than two windows.
    assert stamps[-1] - stamps[0] >= 2 * window


def _a_full_window_is_a_spent_budget(url: str) -> None:
    """What the client tells operators ("its budget of N requests a day is spent") is read
    from PostgreSQL's bucket as from the SQLite one (tests/test_http_layer.py)."""
    from pipeline.lib.http import RateBudget, shared_limiter, use_shared_rate_state
    from pipeline.lib.http.budgets import budget_spent

    use_shared_rate_state(url)
    try:
        limiter = shared_limiter("vendor:account-2", RateBudget(3, 60.0))
        assert not budget_spent(limiter, "vendor")
        for _ in range(2):
            limiter.try_acquire("vendor")
        assert not budget_spent(limiter, "vendor")
        limiter.try_acquire("vendor")
        assert budget_spent(limiter, "vendor")
    finally:
        use_shared_rate_state(None)
