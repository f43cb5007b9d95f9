"""Requests in flight together within a vendor (`<PREFIX>CONCURRENCY`): a detail that hangs
no longer holds up the others, no more than the setting are ever in flight, and what lands is
in the plan's order whatever order the vendor answers in."""

from __future__ import annotations

import threading

import pytest

from pipeline.lib.in_flight import AHEAD_PER_WORKER, in_order
from tests.conftest import DAY, Warehouse, only_vendor
from tests.waiting import wait_until


def test_results_come_in_order_with_no_more_than_asked_at_once() -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    # The first four wait for each other: they can only pass if four run at once.
    together = threading.Barrier(4, timeout=600)

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            if n < 4:
                together.wait()
            return n * n
        finally:
            with lock:
                running -= 1

    assert list(in_order(work, range(10), 4, "test")) == [n * n for n in range(10)]
    assert most == 4


def test_an_error_is_raised_where_its_result_is_taken_and_nothing_more_starts() -> None:
    started: list[int] = []

    def work(n: int) -> int:
        started.append(n)
        if n == 2:
            raise ValueError("item 2 is bad")
        return n

    taken = []
    with pytest.raises(ValueError, match="item 2 is bad"):
        for value in in_order(work, range(100), 3, "test"):
            taken.append(value)
    assert taken == [0, 1]
    assert max(started) <= 2 + 3 * AHEAD_PER_WORKER, "no more than the window ahead started"


def test_one_at_a_time_runs_on_the_callers_thread() -> None:
    threads = set()

    def work(n: int) -> int:
        threads.add(threading.get_ident())
        return n

    assert list(in_order(work, range(5), 1, "test")) == [0, 1, 2, 3, 4]
    assert threads == {threading.get_ident()}


@pytest.fixture
def evaluagent(monkeypatch, warehouse: Warehouse) -> Warehouse:
    return only_vendor("EVALUAGENT_", monkeypatch, warehouse)


def test_details_go_on_while_one_hangs_and_land_in_the_plans_order(
    evaluagent, sandbox, monkeypatch
) -> None:
    monkeypatch.setenv("EVALUAGENT_CONCURRENCY", "3")
    # No timeout cuts the hang short: the first detail is answered only once eight others
    # have been, which one request at a time could never do.
    monkeypatch.setenv("EVALUAGENT_TIMEOUT_SECONDS", "600")
    sandbox.evaluagent.hold_first_detail_until = 8
    assert evaluagent.land(DAY, vendors=["evaluagent"]) == []
    assert sandbox.evaluagent.details_answered == sandbox.evaluagent.per_day, "no retry"
    assert 2 <= sandbox.evaluagent.most_details_in_flight <= 3, "never more than the setting"
    landed = evaluagent.query(
        "select request ->> '$.id' from raw.evaluagent__evaluation_details order by page_number"
    )
    ids = [record_id for (record_id,) in landed]
    assert len(ids) == sandbox.evaluagent.per_day
    assert ids == sorted(ids), "landed in the plan's order (by id), not as they answered"


def test_one_at_a_time_when_the_setting_says_so(evaluagent, sandbox, monkeypatch) -> None:
    monkeypatch.setenv("EVALUAGENT_CONCURRENCY", "1")
    assert evaluagent.land(DAY, vendors=["evaluagent"]) == []
    assert sandbox.evaluagent.most_details_in_flight == 1
    wait_until(lambda: sandbox.evaluagent.details_in_flight == 0, "every detail answered")
