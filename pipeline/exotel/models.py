"""ExoVoiceAnalyze's documents as the client reads them, our task ids, and an inbox row
checked as Exotel would."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from pipeline.lib.submit.inbox import InboxRow
from pipeline.lib.submit.ledger import Submission
from pipeline.lib.submit.submitter import RowRejected

# Our task ids: readable in Exotel's logs, and the call they are for read back from them.
TASK_PREFIX = "qaw-"
# A call SID goes into the request's path: nothing else may.
_CALL_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def task_id(call_sid: str) -> str:
    """Ours, stable for the call: a request made again for the same call has the same."""
    return TASK_PREFIX + call_sid


def call_of_task(task: str) -> str | None:
    return task.removeprefix(TASK_PREFIX) if task.startswith(TASK_PREFIX) else None


class _Job(BaseModel):
    model_config = ConfigDict(extra="allow")

    job_id: str
    task_id: str | None = None
    call_sid: str | None = None
    status: str = "queued"


class InsightsRequested(BaseModel):
    """The answer to a request: `ExoVoiceAnalyze.job_id` ties it to the webhook to come."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    success: bool | None = None
    reason: str | None = None
    job: _Job | None = None

    @classmethod
    def read(cls, data: Any) -> InsightsRequested:
        if not isinstance(data, dict):
            raise ValueError("the answer is not a JSON object")
        return cls(
            success=data.get("success"), reason=data.get("reason"), job=data.get("ExoVoiceAnalyze")
        )


def _utc_iso(value: str) -> str:
    """ISO-8601 in UTC; a time without an offset is taken as UTC."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.isoformat(timespec="seconds") + "Z"


def read_row(row: InboxRow) -> Submission:
    """The row as a request for the call's insights, or the first reason it cannot be one."""
    fields = {name.strip().lower(): value for name, value in (row.fields or {}).items()}
    call_sid = str(fields.get("call_sid") or "").strip()
    if not call_sid:
        raise RowRejected("call_sid missing (the call to analyse)")
    if not _CALL_SID.match(call_sid):
        raise RowRejected(
            f"call_sid {call_sid!r} is not a call SID (letters, digits, - and _ only)"
        )
    payload: dict[str, Any] = {"call_sid": call_sid, "task_id": task_id(call_sid)}
    start = fields.get("start_time")
    if start not in (None, ""):
        try:
            payload["start_time"] = _utc_iso(str(start))
        except ValueError:
            raise RowRejected(
                f"start_time {start!r} is not ISO-8601 (e.g. 2026-03-23T10:15:00+05:30)",
                call_sid,
            ) from None
    agent_id = fields.get("agent_id")
    if agent_id not in (None, ""):
        payload["agent_id"] = str(agent_id).strip()
    email = fields.get("agent_email")
    if email not in (None, ""):
        email = str(email).strip()
        if "@" not in email:
            raise RowRejected(f"agent_email {email!r} is not an email address", call_sid)
        payload["agent_email"] = email
    return Submission(call_sid, payload, row.source_file, row.line)
