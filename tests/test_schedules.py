"""Schedules: the day just ended plus the lookback, each partition once per tick."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dagster import build_schedule_context

from pipeline.build import build_defs
from pipeline.lib.schedules import days_to_pull
from pipeline.vendors import VENDORS


def test_days_to_pull() -> None:
    assert days_to_pull(date(2026, 3, 25), 2, date(2026, 1, 1)) == [
        date(2026, 3, 22),
        date(2026, 3, 23),
        date(2026, 3, 24),
    ]
    assert days_to_pull(date(2026, 1, 2), 3, date(2026, 1, 1)) == [date(2026, 1, 1)]


def test_each_vendor_schedule_requests_yesterday_and_the_lookback(vendor_env, monkeypatch) -> None:
    monkeypatch.setenv("QA_LOOKBACK_DAYS", "3")
    monkeypatch.setenv("QA_PARTITIONS_START", "2026-01-01")
    defs = build_defs()
    repository = defs.get_repository_def()
    tick = datetime(2026, 3, 25, 1, 0, tzinfo=UTC)
    for vendor in (v.name for v in VENDORS if v.daily_job):
        schedule = defs.resolve_schedule_def(f"{vendor}_daily")
        requests = schedule.evaluate_tick(
            build_schedule_context(scheduled_execution_time=tick, repository_def=repository)
        ).run_requests
        assert [r.partition_key for r in requests] == [
            "2026-03-21",
            "2026-03-22",
            "2026-03-23",
            "2026-03-24",
        ]
        keys = [r.run_key for r in requests]
        assert len(set(keys)) == len(keys) and all(k.startswith(f"{vendor}:") for k in keys)
        again = schedule.evaluate_tick(
            build_schedule_context(scheduled_execution_time=tick, repository_def=repository)
        ).run_requests
        assert [r.run_key for r in again] == keys, "the same tick yields the same run keys"
    names = {s.name for s in defs.schedules}
    assert {"build_and_publish_daily", "cqa_push_hourly", "evaluagent_directory_daily"} <= names
