"""Inbox files: rows to submit, as CSV with a header or as NDJSON, read the same for every vendor.

Each row comes out with the line of its file it starts on and its text as it stands there, so
a row the vendor's checks refuse is quarantined with a reason a person can find. A file that
is not UTF-8 is refused whole (`InboxFileError`), naming where; the other files go on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}


class InboxFileError(ValueError):
    """A whole inbox file cannot be read (not UTF-8, for one)."""


@dataclass(frozen=True)
class InboxRow:
    """One row of an inbox file: its fields, or why it could not be read."""

    source_file: str
    line: int
    raw: str
    format: str
    fields: dict[str, Any] | None = None
    error: str | None = None

    @property
    def where(self) -> str:
        return f"{self.source_file}:{self.line}"


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in FORMATS)


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (a byte-order mark allowed), nothing replaced or guessed."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InboxFileError(
            f"{path.name}: not UTF-8 (byte {exc.start}, line {line}: {exc.reason}); save it "
            "as UTF-8 and put it in the inbox again"
        ) from None


def read_inbox_file(path: Path, column_mapping: Mapping[str, str]) -> Iterator[InboxRow]:
    text = read_text(path)
    if FORMATS[path.suffix.lower()] == "csv":
        yield from _read_csv(path.name, text, column_mapping)
    else:
        yield from _read_ndjson(path.name, text)


def _read_csv(name: str, text: str, column_mapping: Mapping[str, str]) -> Iterator[InboxRow]:
    mapping = {k.strip().lower(): v for k, v in column_mapping.items()}
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    columns = [mapping.get(h.strip().lower(), h.strip().lower()) for h in header]
    first = reader.line_num + 1
    for values in reader:
        # A quoted value may hold line breaks: a row starts where the one before ended.
        start, first = first, reader.line_num + 1
        raw = "".join(lines[start - 1 : reader.line_num]).rstrip("\r\n")
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            yield InboxRow(
                name, start, raw, "csv", error=f"{len(values)} values for {len(columns)} columns"
            )
            continue
        fields = {
            column: value.strip()
            for column, value in zip(columns, values, strict=True)
            if value.strip()
        }
        yield InboxRow(name, start, raw, "csv", fields=fields)


def _refuse_constant(value: str) -> Any:
    raise ValueError(f"{value} is not a number JSON allows")


def _read_ndjson(name: str, text: str) -> Iterator[InboxRow]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        raw = raw.strip()
        try:
            row = json.loads(raw, parse_constant=_refuse_constant)
        except ValueError as exc:
            yield InboxRow(name, line, raw, "ndjson", error=f"not JSON: {exc}")
            continue
        if not isinstance(row, dict):
            yield InboxRow(name, line, raw, "ndjson", error="not a JSON object")
            continue
        yield InboxRow(name, line, raw, "ndjson", fields=row)
