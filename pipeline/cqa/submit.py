"""CQA's part of submit-then-poll: inbox rows become interactions, sent in batches of 100,
then followed through the batch job and each interaction until CQA has analysed it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pipeline.cqa.client import CqaClient
from pipeline.cqa.inbox import check
from pipeline.lib.in_flight import in_order
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.inbox import InboxRow
from pipeline.lib.submit.ledger import LedgerItem, Submission, Update
from pipeline.lib.submit.submitter import RowRejected

BATCH_SIZE = 100  # CQA's batch ingest takes 1 to 100 interactions
# CQA's words for an interaction it is still working on (its batch job is `pending`).
IN_PROGRESS = ("queued", "processing", "pending")


def _refusal(error: dict[str, Any]) -> Update | None:
    """A row CQA refused in a batch: `duplicate` when CQA already has it (it was submitted
    before, by us or another tool), else `rejected` with CQA's message."""
    key = error.get("external_interaction_id")
    if not key:
        return None
    reason = str(error.get("reason") or "rejected by CQA")
    status = "duplicate" if reason.lower().startswith("duplicate") else "rejected"
    return Update(str(key), status, reason=f"CQA: {reason}")


def _interaction_update(interaction: dict[str, Any]) -> Update | None:
    key = interaction.get("external_interaction_id")
    status = str(interaction.get("status") or "").lower()
    if not key or not status:
        return None
    return Update(
        str(key),
        status,
        vendor_id=interaction.get("interaction_id"),
        reason=interaction.get("failure_reason"),
        modified_at=interaction.get("status_modified_at"),
    )


@dataclass
class CqaSubmitter:
    client: CqaClient
    column_mapping: Mapping[str, str] = field(default_factory=dict)
    vendor: str = "cqa"
    endpoint: str = "push"
    batch_size: int = BATCH_SIZE
    in_progress: tuple[str, ...] = IN_PROGRESS
    result_timeout: timedelta | None = None
    # CQA's results are its analyses, pulled by day (pipeline/cqa/assets.py).
    results: Endpoint | None = None

    def read_row(self, row: InboxRow) -> Submission:
        checked = check(row, self.column_mapping)
        if not checked.ok or checked.external_id is None:
            raise RowRejected(checked.reason or "rejected", checked.external_id)
        return Submission(checked.external_id, checked.interaction, row.source_file, row.line)

    def submit(self, batch: list[Submission]) -> list[Update]:
        job = self.client.submit_batch([s.payload for s in batch])
        refused = {u.key: u for e in job.get("errors") or [] if (u := _refusal(e))}
        return [refused.get(s.key) or Update(s.key, "submitted", batch_id=job["id"]) for s in batch]

    def poll(self, items: list[LedgerItem]) -> Iterator[Update]:
        """First each open batch job's pages (which interactions CQA created, and the rows it
        refused), then each interaction CQA is still working on."""
        known = {item.key: (item.status, item.vendor_id) for item in items}
        batches = sorted({i.batch_id for i in items if i.status == "submitted" and i.batch_id})
        for batch_id in batches:
            for page in self.client.batch_pages(batch_id):
                for interaction in page.get("interactions") or []:
                    if update := _interaction_update(interaction):
                        known[update.key] = (update.status, update.vendor_id)
                        yield update
                for error in page.get("errors") or []:
                    if update := _refusal(error):
                        known[update.key] = (update.status, None)
                        yield update
        working = sorted(
            interaction_id
            for status, interaction_id in known.values()
            if status in ("queued", "processing") and interaction_id
        )
        # Up to CQA_CONCURRENCY asked at once; the answers taken in order.
        asked = in_order(
            self.client.interaction_data, working, self.client.http.concurrency, "cqa-poll"
        )
        for data in asked:
            if update := _interaction_update(data):
                yield update
