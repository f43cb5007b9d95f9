"""Voxxi's documents as the client reads them, and an inbox row checked as Voxxi would."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict

from pipeline.lib.submit.inbox import InboxRow
from pipeline.lib.submit.ledger import Submission
from pipeline.lib.submit.submitter import RowRejected

# Voxxi's words for a call it is still analysing: its documents show `processing` (the
# create's answer) and `pending` (the analysis sample), and nothing of the end. Any other
# word ends the polling and is kept as received; a word not known to be final is reported.
IN_PROGRESS = ("processing", "pending", "queued")


class _Created(BaseModel):
    model_config = ConfigDict(extra="allow")

    callId: str
    status: str


class CallCreated(BaseModel):
    model_config = ConfigDict(extra="allow")

    data: _Created


class AgentList(BaseModel):
    model_config = ConfigDict(extra="allow")

    data: list[dict[str, Any]]


# The forms Voxxi documents for `date`, each with an optional time.
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)


def _valid_date(value: str) -> bool:
    text = value.strip()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        pass
    for form in _DATE_FORMATS:
        try:
            datetime.strptime(text, form)
            return True
        except ValueError:
            continue
    return False


def local_recording(audio_url: str, recordings: Path) -> Path | None:
    """The file an `audio_url` names on this machine, or None for a URL Voxxi fetches itself
    (http or https). A local recording is a path relative to `recordings` or a `file://` URL
    or absolute path inside it; `RowRejected` for anything else: another scheme, `~`, or a
    path that leads out of the folder, by `..` or through a link. Only what the operator put
    in that folder is ever read and uploaded."""
    parts = urlsplit(audio_url)
    if parts.scheme in ("http", "https"):
        return None
    if parts.scheme not in ("", "file") or (parts.scheme == "file" and parts.netloc):
        raise RowRejected(
            f"audio_url {audio_url!r}: not an http(s) URL Voxxi can fetch, nor a local file"
        )
    named = unquote(parts.path) if parts.scheme == "file" else audio_url
    if not named or named.startswith("~"):
        raise RowRejected(f"audio_url {audio_url!r}: not a file in the recordings folder")
    root = recordings.resolve()
    path = Path(named) if Path(named).is_absolute() else root / named
    resolved = path.resolve()
    if not resolved.is_relative_to(root) or resolved == root:
        raise RowRejected(
            f"audio_url {audio_url!r}: outside the recordings folder {root} "
            "(VOXXI_RECORDINGS_PATH); local recordings are read from there only"
        )
    return resolved


def submission_key(payload: dict[str, Any]) -> str:
    """Voxxi has no id of ours: a call is its recording analysed under a category, so the
    same row in two files, or read again, is the same submission."""
    identity = json.dumps([payload["audio_url"], payload["categoryId"]])
    return "vx-" + hashlib.sha256(identity.encode()).hexdigest()[:24]


def read_row(row: InboxRow, recordings: Path) -> Submission:
    """The row as Voxxi's create call takes it, or the first reason Voxxi would refuse it."""
    fields = row.fields or {}
    missing = [name for name in ("audio_url", "memberId", "categoryId") if not fields.get(name)]
    if missing:
        raise RowRejected(f"{', '.join(missing)} missing (Voxxi requires them)")
    payload: dict[str, Any] = {
        "audio_url": str(fields["audio_url"]).strip(),
        "memberId": str(fields["memberId"]).strip(),
        "categoryId": str(fields["categoryId"]).strip(),
    }
    key = submission_key(payload)
    if fields.get("date") not in (None, ""):
        if not isinstance(fields["date"], str) or not _valid_date(fields["date"]):
            raise RowRejected(
                f"date {fields['date']!r} is not a form Voxxi takes (YYYY-MM-DD, ISO-8601, "
                "YYYY/MM/DD, DD-MM-YYYY or DD/MM/YYYY, each with an optional time)",
                key,
            )
        payload["date"] = fields["date"].strip()
    udfs = fields.get("udfs")
    if isinstance(udfs, str) and udfs.strip():
        try:
            udfs = json.loads(udfs)
        except ValueError as exc:
            raise RowRejected(f"udfs is not JSON: {exc}", key) from None
    if udfs not in (None, ""):
        if not isinstance(udfs, dict):
            raise RowRejected("udfs is not a JSON object", key)
        payload["udfs"] = udfs
    try:
        recording = local_recording(payload["audio_url"], recordings)
    except RowRejected as exc:
        raise RowRejected(exc.reason, key) from None
    if recording is not None and not recording.is_file():
        raise RowRejected(f"audio_url {payload['audio_url']!r}: no such file", key)
    return Submission(key, payload, row.source_file, row.line)
