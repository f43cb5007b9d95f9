"""What a vendor client hands to the landing: pages as received, and what it learned of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from pipeline.lib.http import InvalidBodyHook

_RECORD_LIST = msgspec.json.Decoder(list[msgspec.Raw])


@dataclass(frozen=True)
class BadRecord:
    """A record inside an otherwise good page that staging cannot use."""

    key: str | None
    reason: str
    body: str


@dataclass(frozen=True)
class SplitPage:
    """A page taken apart by its client: `records_json` is the JSON array of its records
    exactly as it stands in the body (a slice of the body's bytes, not a copy), `count` how
    many elements that array holds, `envelope` the JSON of the page's other top-level keys."""

    envelope: str
    records_json: msgspec.Raw | bytes
    count: int

    @property
    def records(self) -> list[msgspec.Raw]:
        """Each record's bytes, exactly as they stand in the body."""
        return _RECORD_LIST.decode(self.records_json)


@dataclass(frozen=True)
class Page:
    """One response page as received, plus what the client learned while checking it.

    `body` is stored as it is: bytes as received, or text where the client decoded it. An
    endpoint that lands one row per record also gets the page taken apart (`split`)."""

    number: int
    body: str | bytes
    request: dict[str, Any]
    records: int
    bad_records: list[BadRecord] = field(default_factory=list)
    split: SplitPage | None = None
    # What the walk noticed and does not trust enough to fail on, for the load log.
    warnings: tuple[str, ...] = ()


# Given the hook that quarantines invalid bodies, the pages of one window.
PageSource = Callable[[InvalidBodyHook], Iterable[Page]]
