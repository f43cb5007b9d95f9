"""Inbox files: rows to submit, as CSV with a header or as NDJSON, read the same for every vendor.

Each row comes out with the line of its file it starts on and its text as it stands there, so
a row the vendor's checks refuse is quarantined with what a person needs to find and fix it,
and with its fields as the file had them, so that a later fix (a column mapping, a check the
vendor relaxed) can replay it. Names mean what the vendor says (CQA lower-cases CSV headers
and maps them; Voxxi takes its API's own names). A file that is not UTF-8 is refused whole
(`InboxFileError`), naming where; the other files go on. A file read to its end is moved to
`processed/` (or to `refused/`) inside the inbox, so it is never read again.

Files are streamed, never read whole, and only files their writer has finished are taken: a
name starting with `.` (and any other ending than `.csv`, `.ndjson`, `.jsonl`, such as
`.part` or `.tmp`) is a file still being written, and so is one changed less than the settle
time ago. Writers should write, then rename. A file that changes while it is read is left
for the next run, which takes only its rows the ledger does not know.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from pipeline.lib import json_text

FORMATS = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}
PROCESSED = "processed"
REFUSED = "refused"
# CSV fields up to this size are read (the csv module's own limit, 128 KiB, would refuse a
# long transcript, and stop the file at it).
MAX_FIELD_CHARACTERS = 64 * 1024 * 1024
READ_BYTES = 1024 * 1024


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


@dataclass(frozen=True)
class InboxFile:
    """A file to read: its path, and its size and time when it was found settled. Only that
    many bytes are read, so what a writer appends meanwhile waits for the next run."""

    path: Path
    size: int
    modified_ns: int

    @classmethod
    def of(cls, path: Path) -> InboxFile:
        stat = path.stat()
        return cls(path, stat.st_size, stat.st_mtime_ns)

    def changed(self) -> bool:
        try:
            now = self.path.stat()
        except FileNotFoundError:
            return True
        return (now.st_size, now.st_mtime_ns) != (self.size, self.modified_ns)


def inbox_files(
    inbox: Path, *, settle_seconds: float = 0.0, now: float | None = None
) -> tuple[list[InboxFile], list[Path]]:
    """The files of `inbox` to read, and those still being written (changed less than
    `settle_seconds` before `now`)."""
    if not inbox.is_dir():
        return [], []
    now = time.time() if now is None else now
    ready: list[InboxFile] = []
    settling: list[Path] = []
    for path in sorted(inbox.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in FORMATS:
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if not path.is_file():
            continue
        if now - stat.st_mtime < settle_seconds:
            settling.append(path)
        else:
            ready.append(InboxFile(path, stat.st_size, stat.st_mtime_ns))
    return ready, settling


def check_utf8(file: InboxFile) -> None:
    """Raise `InboxFileError` naming the byte and line where the file stops being UTF-8;
    read in chunks, never whole."""
    pending = b""
    offset = 0  # where `pending` starts in the file
    line = 1
    left = file.size
    with file.path.open("rb") as stream:
        while True:
            chunk = stream.read(min(READ_BYTES, left)) if left else b""
            left -= len(chunk)
            data = pending + chunk
            final = not chunk
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as exc:
                cut = exc.end == len(data) and exc.reason == "unexpected end of data"
                if final or not cut:
                    line += data[: exc.start].count(b"\n")
                    raise InboxFileError(
                        f"not UTF-8 (byte {offset + exc.start}, line {line}: {exc.reason}); "
                        "save it as UTF-8 and put it in the inbox again"
                    ) from None
                good = exc.start  # a character cut by the chunk's end: read with the next
            line += data[:good].count(b"\n")
            offset += good
            pending = data[good:]
            if final:
                return


class _Prefix(io.RawIOBase):
    """The first `size` bytes of a binary stream."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream = stream
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        data = self._stream.read(min(len(buffer), self._left))
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


def read_inbox_file(file: InboxFile) -> Iterator[InboxRow]:
    """The file's rows, streamed. Call `check_utf8` first: bytes that are not UTF-8 stop this
    with `UnicodeDecodeError`."""
    kind = FORMATS[file.path.suffix.lower()]
    with file.path.open("rb") as binary:
        # NDJSON lines end at `\n` alone: U+2028 or a form feed inside a string is text.
        text = io.TextIOWrapper(
            io.BufferedReader(_Prefix(binary, file.size)),
            encoding="utf-8-sig",
            newline="" if kind == "csv" else "\n",
        )
        if kind == "csv":
            yield from _read_csv(file.path.name, text)
        else:
            yield from _read_ndjson(file.path.name, text)


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


def _read_csv(name: str, text: IO[str]) -> Iterator[InboxRow]:
    csv.field_size_limit(MAX_FIELD_CHARACTERS)
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        # The reader takes a line at a time and no more than a row needs: what it took since
        # the last row is that row's text.
        for line in text:
            consumed.append(line)
            yield line

    reader = csv.reader(lines())
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raw = "".join(consumed).rstrip("\r\n")
        yield InboxRow(name, 1, raw, "csv", error=f"the header is not CSV: {exc}")
        return
    consumed.clear()
    first = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, first = first, reader.line_num + 1
            raw = "".join(consumed).rstrip("\r\n")
            consumed.clear()
            yield InboxRow(name, start, raw, "csv", error=f"not CSV: {exc}")
            continue
        # A quoted value may hold line breaks: a row starts where the one before ended.
        start, first = first, reader.line_num + 1
        raw = "".join(consumed).rstrip("\r\n")
        consumed.clear()
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


# Only JSON's own white space is trimmed from a line: U+2028 is text to JSON.
_JSON_WHITESPACE = " \t\r\n"


def _read_ndjson(name: str, text: IO[str]) -> Iterator[InboxRow]:
    for line, raw in enumerate(text, start=1):
        raw = raw.strip(_JSON_WHITESPACE)
        if not raw:
            continue
        try:
            # A row is sent on whole: a value too deep to read is a row that cannot be sent.
            row = json_text.loads(raw, keep_deep=False)
        except ValueError as exc:
            yield InboxRow(name, line, raw, "ndjson", error=f"not JSON: {exc}")
            continue
        if not isinstance(row, dict):
            yield InboxRow(name, line, raw, "ndjson", error="not a JSON object")
            continue
        yield InboxRow(name, line, raw, "ndjson", fields=row)
