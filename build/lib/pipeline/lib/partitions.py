"""Daily UTC partitions shared by every vendor's raw assets."""

from __future__ import annotations

from datetime import date

from dagster import DailyPartitionsDefinition


def daily_partitions(start: date) -> DailyPartitionsDefinition:
    # end_offset=0: the current day is incomplete, it becomes a partition once it has ended.
    return DailyPartitionsDefinition(start_date=start.isoformat(), timezone="UTC", end_offset=0)
