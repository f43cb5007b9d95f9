"""Interactions to push to CQA arrive as files in an inbox folder, in CQA's own file schema
(CSV or NDJSON), optionally with a column mapping. Each row is checked before it is sent, the
way CQA itself would check it, so a bad row is rejected here with a clear reason and the good
rows still go."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
SUFFIXES = (".csv", ".ndjson", ".jsonl")


@dataclass(frozen=True)
class InboxRow:
    """One row of an inbox file: either a ready interaction or the reason it was rejected."""

    source_file: str
    line: int
    external_id: str | None
    interaction: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    raw: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.exists():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def read_inbox_file(path: Path, column_mapping: Mapping[str, str]) -> Iterator[InboxRow]:
    if path.suffix.lower() == ".csv":
        yield from _read_csv(path, column_mapping)
    else:
        yield from _read_ndjson(path)


def _read_csv(path: Path, column_mapping: Mapping[str, str]) -> Iterator[InboxRow]:
    mapping = {k.strip().lower(): v for k, v in column_mapping.items()}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return
        columns = [mapping.get(h.strip().lower(), h.strip().lower()) for h in header]
        for line, values in enumerate(reader, start=2):
            raw = ",".join(values)
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                yield InboxRow(
                    path.name,
                    line,
                    None,
                    reason=(f"{len(values)} values for {len(columns)} columns"),
                    raw=raw,
                )
                continue
            row: dict[str, Any] = {}
            metadata: dict[str, Any] = {}
            for column, value in zip(columns, values, strict=True):
                value = value.strip()
                if not value:
                    continue
                if column in CANONICAL and column != "metadata":
                    row[column] = value
                else:
                    # CQA's rule: a column that is not canonical becomes metadata.
                    metadata[column] = value
            if metadata:
                row["metadata"] = metadata
            yield validate(path.name, line, row, raw)


def _read_ndjson(path: Path) -> Iterator[InboxRow]:
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except ValueError as exc:
                yield InboxRow(path.name, line, None, reason=f"not JSON: {exc}", raw=text.strip())
                continue
            if not isinstance(row, dict):
                yield InboxRow(path.name, line, None, reason="not a JSON object", raw=text.strip())
                continue
            yield validate(path.name, line, row, text.strip())


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def validate(source_file: str, line: int, row: dict[str, Any], raw: str) -> InboxRow:
    """The row as CQA's batch ingest expects it, or the first reason CQA would reject it."""
    external_id = str(row.get("external_interaction_id") or "").strip() or None

    def reject(reason: str) -> InboxRow:
        return InboxRow(source_file, line, external_id, reason=reason, raw=raw)

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
            interaction["duration_seconds"] = int(float(interaction["duration_seconds"]))
        if "pii_redacted" in interaction:
            interaction["pii_redacted"] = _boolean(interaction["pii_redacted"])
    except ValueError as exc:
        return reject(f"bad value: {exc}")
    if metadata:
        interaction["metadata"] = metadata
    return InboxRow(source_file, line, external_id, interaction=interaction, raw=raw)


def batches(rows: list[InboxRow], size: int = 100) -> Iterator[list[InboxRow]]:
    """CQA takes at most 100 interactions per batch."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
