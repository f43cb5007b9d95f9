"""Voxxi's part of submit-then-poll: one call per request, a local recording uploaded first,
then each call polled until its analysis is final."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pipeline.lib.http import JsonResponse, RetryableError, VendorHTTPError
from pipeline.lib.in_flight import in_order
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.inbox import InboxRow
from pipeline.lib.submit.ledger import LedgerItem, Submission, Update
from pipeline.lib.submit.submitter import NotSent, RowRejected
from pipeline.voxxi.client import VoxxiClient
from pipeline.voxxi.models import IN_PROGRESS, local_recording, read_row

CALLS = "calls"
REASON_FIELDS = ("failureReason", "failure_reason", "reason", "error", "errorMessage", "message")


@dataclass
class VoxxiSubmitter:
    client: VoxxiClient
    # The one folder local recordings are read from (VOXXI_RECORDINGS_PATH).
    recordings: Path
    results: Endpoint | None
    result_timeout: timedelta | None
    vendor: str = "voxxi"
    endpoint: str = CALLS
    batch_size: int = 1  # Voxxi creates one call per request
    in_progress: tuple[str, ...] = IN_PROGRESS

    def read_row(self, row: InboxRow) -> Submission:
        return read_row(row, self.recordings)

    def submit(self, batch: list[Submission]) -> list[Update]:
        (submission,) = batch
        payload = dict(submission.payload)
        try:
            # Checked again where it is read: the folder may have changed since the row was.
            recording = local_recording(payload["audio_url"], self.recordings)
        except RowRejected as exc:
            return [Update(submission.key, "rejected", reason=exc.reason)]
        if recording is not None:
            try:
                payload["audio_url"] = self.client.upload(recording)
            except (OSError, RetryableError) as exc:
                # Nothing was created yet: the call is tried again by the next run.
                raise NotSent(
                    f"{submission.key}: the recording could not be uploaded: {exc}"
                ) from exc
        created = self.client.create_call(payload).data
        return [Update(submission.key, created.status.lower(), vendor_id=created.callId)]

    def poll(self, items: list[LedgerItem]) -> Iterator[Update]:
        """Each unfinished call's analysis, up to VOXXI_CONCURRENCY asked at once (one that
        hangs does not hold up the others), the answers taken in the ledger's order."""
        sent = [item for item in items if item.vendor_id]

        def ask(item: LedgerItem) -> JsonResponse | VendorHTTPError:
            try:
                return self.client.analysis(item.vendor_id or "")
            except VendorHTTPError as exc:  # handed back to be judged in order
                return exc

        answers = in_order(ask, sent, self.client.http.concurrency, "voxxi-poll")
        for item, response in zip(sent, answers, strict=True):
            if isinstance(response, VendorHTTPError):
                if getattr(response, "status", None) == 404:
                    yield Update(item.key, "failed", reason=f"Voxxi has no such call: {response}")
                    continue
                raise response
            data = response.data.get("data") or {}
            if not isinstance(data, dict) or not str(data.get("status") or "").strip():
                # No word at all is no news: asked again next time.
                continue
            status = str(data["status"]).strip().lower()
            metadata = data.get("metadata") or {}
            # Voxxi's documents name no field for why a call failed: the likely ones, in turn.
            reason = next((data[f] for f in REASON_FIELDS if data.get(f)), None)
            yield Update(
                item.key,
                status,
                vendor_id=item.vendor_id,
                reason=str(reason) if reason else None,
                modified_at=metadata.get("updatedAt"),
                body=response.text,
            )
