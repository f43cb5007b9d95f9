"""Inbox files: rows to submit, as CSV with a header or as NDJSON, read the same for every vendor.

Each row comes out with the line of its file it starts on and its text as it stands there, so
a row the vendor's checks refuse is quarantined with what a person needs to find and fix it,
and with its fields as the file had them, so that a later fix (a column mapping, a check the
vendor relaxed) can replay it. Names mean what the vendor says (CQA lower-cases CSV headers
and maps them; Voxxi takes its API's own names). A file that is not UTF-8 is refused whole
(`InboxFileError`), naming where; the other files go on. A file read to its end is moved to
`processed/` (or to `refused/`) inside the inbox, so it is never read again.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

FORMATS = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}
PROCESSED = "processed"
REFUSED = "refused"


class InboxFileError(ValueError):
    """A whole inbox file cannot be read (not UTF-8, for one)."""


@dataclass(frozen=True)
class InboxRow:
    """One row of an inbox file: its fields as the file named them (a CSV header trimmed),
    or why it could not be read. What the names mean, and how they are mapped, is the
    vendor's to say (`Submitter.read_row`)."""

    source_file: str
    line: int
    raw: str
    format: str
    fields: dict[str, Any] | None = None
    error: str | None = None

    @property
    def where(self) -> str:
        return f"{self.source_file}:{self.line}"

    def quarantine_body(self, key: str | None) -> str:
        """What the quarantine keeps of a refused row: enough to find it, and to replay it."""
        return json.dumps(
            {
                "inbox_row": {
                    "file": self.source_file,
                    "line": self.line,
                    "format": self.format,
                    "key": key,
                    "text": self.raw,
                    "fields": self.fields,
                }
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_quarantine_body(cls, body: str) -> InboxRow:
        """A refused row, read back from the quarantine."""
        kept = json.loads(body)["inbox_row"]
        fields = kept.get("fields")
        return cls(
            kept["file"],
            kept["line"],
            kept["text"],
            kept["format"],
            fields=fields,
            error=None if fields is not None else "unreadable row",
        )


def is_quarantined_row(body: str | None) -> bool:
    """True for what `quarantine_body` wrote (not a whole file, not a refused payload)."""
    if not body or not body.startswith('{"inbox_row"'):
        return False
    try:
        return isinstance(json.loads(body).get("inbox_row"), dict)
    except ValueError:
        return False


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
            f"not UTF-8 (byte {exc.start}, line {line}: {exc.reason}); save it as UTF-8 and "
            "put it in the inbox again"
        ) from None


def read_inbox_file(path: Path) -> Iterator[InboxRow]:
    text = read_text(path)
    if FORMATS[path.suffix.lower()] == "csv":
        yield from _read_csv(path.name, text)
    else:
        yield from _read_ndjson(path.name, text)


def archive(path: Path, *, refused: bool = False, today: date | None = None) -> Path:
    """Move a file read to its end out of the inbox's way: `processed/<day>/` or `refused/`.
    A name already there gets a number, so no file is overwritten."""
    folder = path.parent / (REFUSED if refused else PROCESSED)
    if not refused:
        folder = folder / (today or datetime.now(UTC).date()).isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    number = 1
    while target.exists():
        target = folder / f"{path.stem}.{number}{path.suffix}"
        number += 1
    shutil.move(str(path), target)
    return target


def _read_csv(name: str, text: str) -> Iterator[InboxRow]:
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    first = reader.line_num + 1
    for values in reader:
        # A quoted value may hold line breaks: a row starts where the one before ended.
        start, first = first, reader.line_num + 1
        raw = "".join(lines[start - 1 : reader.line_num]).rstrip("\r\n")
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield InboxRow(
                name, start, raw, "csv", error=f"{len(values)} values for {len(header)} columns"
            )
            continue
        fields = {
            column.strip(): value.strip()
            for column, value in zip(header, values, strict=True)
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
