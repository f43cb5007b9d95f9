"""ExoVoiceAnalyze's part of submit-then-poll: one request per call, its job recorded in the
ledger. Nothing is polled: Exotel has no endpoint to ask about a job, its results are posted
to the receiver and landed (`webhooks.py`) before the ledger is looked at for timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from pipeline.exotel.client import ExotelClient
from pipeline.exotel.models import read_row
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.inbox import InboxRow
from pipeline.lib.submit.ledger import LedgerItem, Submission, Update

REQUESTS = "requests"
# Its answer to a request says `queued`; the end comes by webhook.
IN_PROGRESS = ("queued",)


@dataclass
class ExotelSubmitter:
    client: ExotelClient
    result_timeout: timedelta | None
    vendor: str = "exotel"
    endpoint: str = REQUESTS
    batch_size: int = 1  # one call per request
    in_progress: tuple[str, ...] = IN_PROGRESS
    # The results are deliveries, landed from the receiver's journal, not answers polled.
    results: Endpoint | None = None

    def read_row(self, row: InboxRow) -> Submission:
        return read_row(row)

    def submit(self, batch: list[Submission]) -> list[Update]:
        (submission,) = batch
        answer = self.client.request_insights(
            submission.payload["call_sid"], submission.payload["task_id"]
        )
        assert answer.job is not None
        return [Update(submission.key, answer.job.status.lower(), vendor_id=answer.job.job_id)]

    def poll(self, items: list[LedgerItem]) -> Iterator[Update]:
        # No endpoint to ask: what Exotel finished has already come in by webhook.
        return iter(())
