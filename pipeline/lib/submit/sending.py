"""The ledger's way out: rows queued as `unsent` before their file leaves the inbox, claimed
as `sending` (the intent, committed) before their request leaves, then released when the
request surely never reached the vendor or marked `in_doubt` when it may have."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from pipeline.lib import json_text
from pipeline.lib.json_text import storable_text
from pipeline.lib.submit.ledger import LEDGER, TO_SEND, Submission
from pipeline.lib.windows import utc_now


@dataclass(frozen=True)
class Queued:
    """What `queue` made of a chunk of rows."""

    queued: int = 0
    # The same key twice in what this run read.
    duplicates: int = 0
    # The key was in the ledger before this run (sent, or waiting to be).
    known: int = 0


def queue(
    conn: duckdb.DuckDBPyConnection, vendor: str, submissions: Sequence[Submission], run_id: str
) -> Queued:
    """Rows to send, committed as `unsent` (in the caller's transaction) before their file
    leaves the inbox: a run that dies after this sends nothing twice and loses nothing. A key
    the ledger holds already is left as it is, unless it was `rejected` (a corrected row)."""
    unique: dict[str, Submission] = {}
    duplicates = 0
    for submission in submissions:
        if submission.key in unique:
            duplicates += 1
        else:
            unique[submission.key] = submission
    if not unique:
        return Queued(duplicates=duplicates)
    existing = dict(
        conn.execute(
            f"select submission_key, run_id from {LEDGER} where vendor = ? and status <> "
            "'rejected' and submission_key in (select unnest(?::varchar[]))",
            [vendor, list(unique)],
        ).fetchall()
    )
    now = utc_now()
    rows = [
        [vendor, s.key, s.source_file, s.line, json_text.dumps(s.payload), now, run_id]
        for key, s in unique.items()
        if key not in existing
    ]
    if rows:
        conn.executemany(
            f"""
            insert into {LEDGER} (vendor, submission_key, source_file, line, status, payload,
                                  updated_at, run_id)
            values (?, ?, ?, ?, 'unsent', ?, ?, ?)
            on conflict (vendor, submission_key) do update set
                source_file = excluded.source_file, line = excluded.line, status = 'unsent',
                reason = null, payload = excluded.payload, updated_at = excluded.updated_at,
                run_id = excluded.run_id
            """,
            rows,
        )
    # A key this run queued from another file is a duplicate in the inbox, not an old one.
    this_run = sum(1 for owner in existing.values() if owner == run_id)
    return Queued(len(rows), duplicates + this_run, len(existing) - this_run)


def to_send(conn: duckdb.DuckDBPyConnection, vendor: str) -> list[tuple[str, str]]:
    """(key, status) of what the next send goes through, in the order the rows were read."""
    rows = conn.execute(
        f"select submission_key, status from {LEDGER} where vendor = ? "
        "and status in (select unnest(?::varchar[])) "
        "order by source_file nulls first, line nulls first, submission_key",
        [vendor, list(TO_SEND)],
    ).fetchall()
    return [(key, status) for key, status in rows]


def claim(
    conn: duckdb.DuckDBPyConnection, vendor: str, keys: Sequence[str], run_id: str
) -> list[Submission]:
    """The intent, committed before the request leaves: the rows of `keys` still to send
    become `sending`, and are returned to be sent."""
    now = utc_now()
    rows = conn.execute(
        f"""
        update {LEDGER} set status = 'sending', reason = null, submitted_at = ?,
            updated_at = ?, run_id = ?
        where vendor = ? and status in (select unnest(?::varchar[]))
          and submission_key in (select unnest(?::varchar[]))
        returning submission_key, payload, source_file, line
        """,
        [now, now, run_id, vendor, list(TO_SEND), list(keys)],
    ).fetchall()
    claimed = {
        key: Submission(key, json.loads(payload or "{}"), source_file, line)
        for key, payload, source_file, line in rows
    }
    return [claimed[key] for key in keys if key in claimed]


def release(
    conn: duckdb.DuckDBPyConnection, vendor: str, keys: Sequence[str], reason: str | None
) -> None:
    """The request surely never reached the vendor: the rows are `unsent` again, with the
    reason, and the next run sends them."""
    conn.execute(
        f"update {LEDGER} set status = 'unsent', reason = ?, submitted_at = null, "
        "updated_at = ? where vendor = ? and status = 'sending' "
        "and submission_key in (select unnest(?::varchar[]))",
        [None if reason is None else storable_text(reason), utc_now(), vendor, list(keys)],
    )


def mark_in_doubt(
    conn: duckdb.DuckDBPyConnection, vendor: str, keys: Sequence[str] | None, reason: str
) -> int:
    """Sent, outcome unknown. With `keys` None: every row still `sending` (their run died
    between the request and its answer)."""
    params: list[Any] = [storable_text(reason), utc_now(), vendor]
    where = "vendor = ? and status = 'sending'"
    if keys is not None:
        where += " and submission_key in (select unnest(?::varchar[]))"
        params.append(list(keys))
    return len(
        conn.execute(
            f"update {LEDGER} set status = 'in_doubt', reason = ?, updated_at = ? "
            f"where {where} returning submission_key",
            params,
        ).fetchall()
    )
