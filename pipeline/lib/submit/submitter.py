"""What a vendor provides to submit-then-poll (`Submitter`), and what it may raise: the
rest of the shape is the same for every vendor (`flow.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.inbox import InboxRow
from pipeline.lib.submit.ledger import LedgerItem, Submission, Update


class NotSent(Exception):
    """A submission that surely never reached the vendor (its recording could not be
    uploaded, say): the row is new again for the next run, and the others go on."""


class RowRejected(ValueError):
    """An inbox row the vendor would refuse; `key` when the row names one."""

    def __init__(self, reason: str, key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


class Submitter(Protocol):
    """A vendor's part of submit-then-poll."""

    vendor: str
    # Names the quarantine rows of refused inbox rows (`raw.quarantine.endpoint`).
    endpoint: str
    # Submissions per request.
    batch_size: int
    # The vendor's own words for work in progress (lower case): these are polled again; any
    # other word it says ends the polling, kept as received (and an undocumented one is
    # reported).
    in_progress: tuple[str, ...]
    # A submission unfinished this long after it was sent becomes `failed`; None: never.
    result_timeout: timedelta | None
    # Where the answers polled are kept as received (`Endpoint.results`); None: not kept.
    results: Endpoint | None

    def read_row(self, row: InboxRow) -> Submission:
        """The row as the vendor expects it, or `RowRejected` with the reason."""
        ...

    def submit(self, batch: list[Submission]) -> list[Update]:
        """Send one batch (a create request: `create=True` on the HTTP layer); what the vendor
        said of each submission."""
        ...

    def poll(self, items: list[LedgerItem]) -> Iterable[Update]:
        """Ask the vendor about unfinished submissions."""
        ...


@dataclass(frozen=True)
class Inbox:
    path: Path
    # A file changed less than this long ago is still being written: left for the next run.
    settle_seconds: float = 0.0
