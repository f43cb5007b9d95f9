"""UTC time windows: the unit every vendor pull is landed and replaced by."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True, order=True)
class Window:
    """A half-open UTC interval [start, end); datetimes are naive and mean UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("Window bounds are naive UTC datetimes")
        if self.end <= self.start:
            raise ValueError(f"Window end {self.end} is not after its start {self.start}")

    @classmethod
    def for_day(cls, day: date | str) -> Window:
        if isinstance(day, str):
            day = date.fromisoformat(day)
        start = datetime(day.year, day.month, day.day)
        return cls(start, start + timedelta(days=1))

    @classmethod
    def from_aware(cls, start: datetime, end: datetime) -> Window:
        return cls(_naive_utc(start), _naive_utc(end))

    @property
    def label(self) -> str:
        if self == SNAPSHOT:
            return "snapshot"
        if self.end - self.start == timedelta(days=1) and self.start.time() == datetime.min.time():
            return self.start.date().isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def days(self) -> Iterator[Window]:
        cursor = self.start
        while cursor < self.end:
            nxt = min(cursor + timedelta(days=1), self.end)
            yield Window(cursor, nxt)
            cursor = nxt


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def days_between(start: date, end: date) -> list[date]:
    """Every day from start to end inclusive."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# The window of endpoints that are refreshed whole on every run (users, groups).
SNAPSHOT = Window(datetime(2000, 1, 1), datetime(2100, 1, 1))


def utc_now() -> datetime:
    """Now, as the naive UTC datetime every warehouse timestamp is."""
    return datetime.now(UTC).replace(tzinfo=None)
