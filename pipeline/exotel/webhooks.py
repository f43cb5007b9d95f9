"""ExoVoiceAnalyze's webhooks: authenticated by the signed callback URL of each request,
keyed by Exotel's `job_id`, matched to the request they answer.

A success names our `task_id`; a failure does not (Exotel's sample has only `job_id` and
`callSID`), but its callback URL does, signed: every delivery is matched through the task the
URL names, and checked against the job id and call SID the request recorded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipeline.exotel.models import call_of_task
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.receive.callback import SignedCallback
from pipeline.lib.receive.source import ReadDelivery, Unmatched, UnreadableDelivery
from pipeline.lib.submit import ledger
from pipeline.lib.submit.ledger import Update
from pipeline.lib.vendor import VendorConfigError

WEBHOOKS = Endpoint("exotel", "webhooks", deliveries=True)
SECRET_VARIABLE = "EXOTEL_WEBHOOK_SECRET"


def _success(payload: dict[str, Any]) -> bool:
    value = payload.get("success")
    # A form body carries text.
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, bool):
        return value
    raise UnreadableDelivery(f"`success` is {value!r}, not true or false")


@dataclass(frozen=True)
class ExotelWebhooks:
    secret: str = field(repr=False)
    vendor: str = "exotel"
    endpoint: Endpoint = WEBHOOKS

    @property
    def callback(self) -> SignedCallback:
        return SignedCallback(self.vendor, self.secret)

    def authenticate(self, params: Mapping[str, str]) -> str:
        return self.callback.verify(params)

    def delivery_key(self, payload: dict[str, Any]) -> str:
        job_id = payload.get("job_id")
        if not isinstance(job_id, str) or not job_id.strip():
            raise UnreadableDelivery("no job_id")
        _success(payload)
        return job_id.strip()

    def match(self, conn: duckdb.DuckDBPyConnection, delivery: ReadDelivery) -> Update:
        payload, job_id = delivery.payload, delivery.delivery_key
        success = _success(payload)
        body_task = payload.get("task_id") or None
        if body_task is not None and not isinstance(body_task, str):
            raise UnreadableDelivery(f"`task_id` is {type(body_task).__name__}, not text")
        if body_task and delivery.reference and body_task != delivery.reference:
            raise Unmatched(
                f"task_id {body_task!r} is not the task its callback URL was signed for "
                f"({delivery.reference!r})"
            )
        task = body_task or delivery.reference
        call_sid = call_of_task(task) if task else None
        item = ledger.find(conn, self.vendor, key=call_sid, vendor_id=job_id)
        if item is None:
            raise Unmatched(
                f"job_id {job_id} (task {task or 'not given'}) names no request of ours"
            )
        if item.vendor_id and item.vendor_id != job_id:
            raise Unmatched(
                f"job_id {job_id} is not the job Exotel gave for call {item.key} ({item.vendor_id})"
            )
        reported_call = payload.get("callSID") or payload.get("call_sid")
        if reported_call and reported_call != item.key:
            raise Unmatched(f"callSID {reported_call} is not the call of task {task} ({item.key})")
        # Where the request's answer was never recorded (a request in doubt), the ledger has no
        # job id to hold this one against: the callback URL, signed for this task alone, is
        # the proof, and the delivery says it was not checked (DECISIONLOG, "ExoVoiceAnalyze").
        verified = item.vendor_id is not None
        if success:
            return Update(
                item.key,
                "completed",
                vendor_id=job_id,
                modified_at=delivery.received_at,
                verified=verified,
            )
        reason = str(payload.get("reason") or "").strip() or "Exotel reported a failure, no reason"
        return Update(
            item.key,
            "failed",
            vendor_id=job_id,
            reason=reason,
            modified_at=delivery.received_at,
            verified=verified,
        )


def webhook_source(env: Mapping[str, str]) -> ExotelWebhooks | None:
    """The receiver's view of ExoVoiceAnalyze: it needs the webhook secret alone."""
    secret = env.get(SECRET_VARIABLE)
    if not secret:
        return None
    if len(secret) < 16:
        raise VendorConfigError(f"{SECRET_VARIABLE}: use at least 16 characters")
    return ExotelWebhooks(secret)
