"""Large Kore days for the benchmark: 100,000s of conversations served from one template.

A bulk day holds `count` conversations at whole-second times spread evenly over the UTC day,
each about 2.5 KB (eight metrics, two agents, the Title Case dialect). A record is one
`str.format` of a pre-rendered template and a window's records are found by arithmetic, so
the sandbox never holds the day unless asked to: rendering a page of 100 costs about 2 ms of
one core, which a benchmark that wants to measure its client, not the sandbox, pays up front
with `prerender` (the bytes of every page of the day kept in memory).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from qa_sandbox.roster import ROSTER, stable_uuid

_METRICS = [
    ("UK Greeting Compliance Rate GEN", 15),
    ("UK Proper Sign-off GenAI", 15),
    ("Identity Verification", 20),
    ("Data Protection Statement", 10),
    ("Needs Assessment", 10),
    ("Resolution Confirmed", 10),
    ("Empathy Statements", 10),
    ("Hold Procedure", 10),
]


def _template() -> str:
    row = {
        "Conversation ID": "@id@",
        "contact_direction": "inbound",
        "Conversation Start Time": "@start@",
        "Conversation End Time": "@end@",
        "Duration": "@duration@ milliseconds",
        "Language": "English",
        "Kore Evaluation Score": "@score@",
        "Fatal Errors": 0,
        "duration_status": "evaluated",
        "Audit Status": "Not Assigned",
        "Audit Score": None,
        "Audit Date": None,
        "Auditor Name": None,
        "Queues": [{"Queue ID": "qu-c304439", "Queue Name": "Default Queue - Q1"}],
        "Agents": [
            {"Agent ID": "@agent1_id@", "Agent Name": "@agent1_name@", "Agent Email": "@agent1@"},
            {"Agent ID": "@agent2_id@", "Agent Name": "@agent2_name@", "Agent Email": "@agent2@"},
        ],
        "Sentiment Score": 0.42,
        "Metrics": [
            {
                "Metric ID": "em-" + stable_uuid("metric", name),
                "Metric Name": name,
                "Metric Weight": weight,
                "Metric Negative Weight": weight // 2,
                "Qualification": f"@q{index}@",
                "Metric Score": f"@s{index}@",
                "isFatalError": False,
            }
            for index, (name, weight) in enumerate(_METRICS)
        ],
    }
    text = json.dumps(row).replace("{", "{{").replace("}", "}}")
    for name in ("score", *(f"s{i}" for i in range(len(_METRICS)))):
        text = text.replace(f'"@{name}@"', "{" + name + "}")
    return text.replace('"@', '"{').replace('@"', '}"').replace("@ milliseconds", "} milliseconds")


_TEMPLATE = _template()
_AGENTS = [("a-" + stable_uuid("kore-agent", p.key), p.name, p.email) for p in ROSTER]


@dataclass(frozen=True)
class BulkDay:
    day: date
    count: int
    # (first index, end index, skip, limit) -> the page's bytes, filled by `prerender`.
    _pages: dict[tuple[int, int, int, int], bytes] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def _second(self, index: int) -> int:
        return index * 86400 // self.count

    def index_range(self, start: datetime, end: datetime) -> range:
        """Indexes of the conversations starting within [start, end] (whole seconds)."""
        midnight = datetime(self.day.year, self.day.month, self.day.day)
        first_second = max(0, math.ceil((start - midnight).total_seconds()))
        last_second = min(86399, math.floor((end - midnight).total_seconds()))
        if last_second < first_second:
            return range(0)
        # The smallest index whose second is >= s is ceil(s * count / 86400).
        low = -(-first_second * self.count // 86400)
        high = -(-(last_second + 1) * self.count // 86400)
        return range(low, min(high, self.count))

    def _time(self, second: int) -> str:
        if second >= 86400:  # a conversation may end the next day
            return (self.day + timedelta(days=1)).isoformat() + self._clock(second - 86400)
        return self.day.isoformat() + self._clock(second)

    @staticmethod
    def _clock(second: int) -> str:
        return f"T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000Z"

    def record(self, index: int) -> str:
        at = self._second(index)
        duration = 30_000 + index * 7919 % 900_000
        first = _AGENTS[index % len(_AGENTS)]
        other = _AGENTS[(index + 1) % len(_AGENTS)]
        scores = {f"s{i}": (index >> i) % 2 * weight for i, (_, weight) in enumerate(_METRICS)}
        return _TEMPLATE.format(
            id=f"c-bulk-{self.day:%Y%m%d}-{index:08d}",
            start=self._time(at),
            end=self._time(at + duration // 1000),
            duration=duration,
            score=sum(scores.values()),
            agent1_id=first[0],
            agent1_name=first[1],
            agent1=first[2],
            agent2_id=other[0],
            agent2_name=other[1],
            agent2=other[2],
            **{f"q{i}": "YES" if scores[f"s{i}"] else "NO" for i in range(len(_METRICS))},
            **scores,
        )

    def records(self) -> Iterator[str]:
        for index in range(self.count):
            yield self.record(index)

    def whole_day(self) -> range:
        midnight = datetime(self.day.year, self.day.month, self.day.day)
        return self.index_range(midnight, midnight + timedelta(seconds=86399))

    def prerender(self, limit: int) -> None:
        """Keep every page of the whole day (pages of `limit`) rendered, so that serving one
        is a lookup: the sandbox then costs only its HTTP."""
        indexes = self.whole_day()
        for skip in range(0, len(indexes), limit):
            self._pages[(indexes.start, indexes.stop, skip, limit)] = self._render(
                indexes, skip, limit
            )

    def page(self, indexes: range, skip: int, limit: int) -> bytes:
        rendered = self._pages.get((indexes.start, indexes.stop, skip, limit))
        return rendered if rendered is not None else self._render(indexes, skip, limit)

    def _render(self, indexes: range, skip: int, limit: int) -> bytes:
        chunk = indexes[skip : skip + limit]
        total = len(indexes)
        return (
            '{"results": ['
            + ", ".join(self.record(i) for i in chunk)
            + f'], "totalResults": {total}, "hasMore": {str(skip + limit < total).lower()}, '
            + f'"totalPages": {math.ceil(total / limit)}}}'
        ).encode()
