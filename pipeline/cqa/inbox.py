"""Inbox rows for CQA, in CQA's own file schema (CSV or NDJSON, columns mapped by
`CQA_COLUMN_MAPPING`). Each row is checked before it is sent, the way CQA itself would check
it, so a bad row is rejected here with a clear reason and the good rows still go."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.lib.submit.inbox import InboxFile, InboxRow
from pipeline.lib.submit.inbox import read_inbox_file as read_rows

CANONICAL = frozenset(
    {
        "external_interaction_id",
        "channel_type",
        "source",
        "language",
        "interaction_start_time",
        "duration_seconds",
        "audio_format",
        "callback_url",
        "pii_redacted",
        "audio_url",
        "transcript_url",
        "file_url",
        "file_type",
        "metadata",
    }
)
MAX_METADATA_KEYS = 50


@dataclass(frozen=True)
class CqaRow:
    """One inbox row: either a ready interaction or the reason CQA would refuse it."""

    source_file: str
    line: int
    external_id: str | None
    interaction: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    raw: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


def read_inbox_file(path: Path, column_mapping: Mapping[str, str]) -> Iterator[CqaRow]:
    """Every row of one inbox file, checked."""
    for row in read_rows(InboxFile.of(path)):
        yield check(row, column_mapping)


def check(row: InboxRow, column_mapping: Mapping[str, str]) -> CqaRow:
    if row.error is not None or row.fields is None:
        return CqaRow(row.source_file, row.line, None, reason=row.error, raw=row.raw)
    fields = dict(row.fields)
    if row.format == "csv":
        # CQA's rules for files: headers are trimmed and lower-cased, then mapped
        # (CQA_COLUMN_MAPPING, keyed the same way); a column that is not canonical
        # becomes metadata.
        mapping = {k.strip().lower(): v for k, v in column_mapping.items()}
        fields = {mapping.get(k.lower(), k.lower()): v for k, v in fields.items()}
        metadata = {k: v for k, v in fields.items() if k not in CANONICAL or k == "metadata"}
        fields = {k: v for k, v in fields.items() if k in CANONICAL and k != "metadata"}
        if metadata:
            fields["metadata"] = metadata
    return validate(row.source_file, row.line, fields, row.raw)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _seconds(value: Any) -> int:
    """A duration in whole seconds: finite, not negative, with nothing after the point."""
    if isinstance(value, bool):
        raise ValueError(f"duration_seconds {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"duration_seconds {value!r} is not a number") from None
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise ValueError(f"duration_seconds {value!r} is not a whole number of seconds >= 0")
    return int(number)


def validate(source_file: str, line: int, row: dict[str, Any], raw: str) -> CqaRow:
    """The row as CQA's batch ingest expects it, or the first reason CQA would reject it."""
    external_id = str(row.get("external_interaction_id") or "").strip() or None

    def reject(reason: str) -> CqaRow:
        return CqaRow(source_file, line, external_id, reason=reason, raw=raw)

    if external_id is None:
        return reject("external_interaction_id is missing")
    if not str(row.get("channel_type") or "").strip():
        return reject("channel_type is missing")
    if not (
        row.get("audio_url")
        or row.get("transcript_url")
        or (row.get("file_url") and row.get("file_type"))
    ):
        return reject("no content: audio_url or transcript_url (or file_url with file_type)")
    metadata = row.get("metadata") or {}
    if not isinstance(metadata, dict):
        return reject("metadata is not an object")
    if len(metadata) > MAX_METADATA_KEYS:
        return reject(f"metadata has {len(metadata)} keys; CQA allows at most {MAX_METADATA_KEYS}")
    bad = sorted(k for k, v in metadata.items() if not isinstance(v, str | int | float | bool))
    if bad:
        return reject(f"metadata values must be strings, numbers or booleans: {', '.join(bad)}")
    interaction = {k: v for k, v in row.items() if k in CANONICAL and v not in (None, "")}
    interaction["external_interaction_id"] = external_id
    interaction["channel_type"] = str(row["channel_type"]).strip().upper()
    try:
        if "duration_seconds" in interaction:
            interaction["duration_seconds"] = _seconds(interaction["duration_seconds"])
        if "pii_redacted" in interaction:
            interaction["pii_redacted"] = _boolean(interaction["pii_redacted"])
    except ValueError as exc:
        return reject(f"bad value: {exc}")
    if metadata:
        interaction["metadata"] = metadata
    return CqaRow(source_file, line, external_id, interaction=interaction, raw=raw)
