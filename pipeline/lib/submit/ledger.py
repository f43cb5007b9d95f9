"""The submission ledger: one row per vendor and submission key, in `raw.submissions`.

Nothing is sent twice. The intent (`sending`) is committed before the request leaves; the
vendor's answer after it. A row still `sending` when the next run starts belongs to a run that
died between the two: the request may have reached the vendor, so it becomes `in_doubt` and
is sent again only when someone asks (`resubmit`). Statuses:

- `rejected`: refused by our checks or by the vendor's; a corrected row with the same key may
  be submitted again;
- `unsent`: read from the inbox (or accepted on replay) and not sent yet, or surely not sent
  (its recording could not be uploaded, the vendor refused the credentials): the next run
  sends it. A row leaves its inbox, and a replayed row's quarantine item is settled, only once
  the ledger holds it so;
- `sending`, `in_doubt`, `resubmit` (asked to be sent again);
- `submitted`: accepted, not yet seen in progress; then the vendor's own words for work in
  progress (`queued`, `processing`, ...), lower case;
- final: `completed`, `failed`, `duplicate` (the vendor already had it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from pipeline.lib import json_text
from pipeline.lib.json_text import storable_text
from pipeline.lib.raw_schema import RAW_SCHEMA, transaction
from pipeline.lib.windows import utc_now

LEDGER = f"{RAW_SCHEMA}.submissions"
# The reason a submission is failed with when its result never came (a SQL LIKE pattern).
TIMED_OUT_LIKE = "no result % hours after it was sent"


def timed_out_reason(hours: float) -> str:
    return TIMED_OUT_LIKE.replace("%", f"{hours:g}")


FINAL = ("completed", "failed", "duplicate")
# The ledger's own words, before the vendor says anything of a submission.
OURS = ("rejected", "unsent", "sending", "in_doubt", "resubmit", "submitted")
# What the next run sends.
TO_SEND = ("unsent", "resubmit")


def polled(in_progress: Sequence[str]) -> list[str]:
    """The statuses polled again: accepted and not heard of since (`submitted`), and the
    vendor's own words for work in progress. Any other word a vendor says ends the polling."""
    return ["submitted", *in_progress]


def unknown_words(statuses: Iterable[str], in_progress: Sequence[str]) -> set[str]:
    """Statuses a vendor said that are neither its documented work in progress nor a final
    word we know: taken as final, kept as received, and reported."""
    return set(statuses) - {*OURS, *FINAL, *in_progress}


@dataclass(frozen=True)
class Submission:
    """A row ready to send: the key that makes it unique at the vendor, and what is sent."""

    key: str
    payload: dict[str, Any]
    source_file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class LedgerItem:
    key: str
    status: str
    vendor_id: str | None
    batch_id: str | None
    payload: dict[str, Any]
    submitted_at: datetime | None


@dataclass(frozen=True)
class Update:
    """What the vendor said of a submission: its status, and what it learned."""

    key: str
    status: str
    vendor_id: str | None = None
    batch_id: str | None = None
    reason: str | None = None
    modified_at: datetime | None = None
    # The vendor's answer as received, when it is worth keeping (an analysis polled): landed
    # in the submitter's results table when it changed.
    body: str | None = None
    # False when the vendor's id for it could not be checked against one the ledger holds
    # (the request's answer was never recorded): taken on the word of a signed callback.
    verified: bool = True


def ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    conn.execute(
        f"""
        create table if not exists {LEDGER} (
            vendor varchar not null,
            submission_key varchar not null,
            source_file varchar,
            line integer,
            status varchar not null,
            reason varchar,
            vendor_id varchar,
            batch_id varchar,
            payload json,
            submitted_at timestamp,
            status_modified_at timestamp,
            updated_at timestamp not null,
            run_id varchar,
            primary key (vendor, submission_key)
        )
        """
    )
    _migrate_cqa_push_ledger(conn)


def _migrate_cqa_push_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    """CQA's push kept its own ledger before the shared one existed: move its rows here."""
    exists = conn.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = ? and table_name = 'cqa__push_ledger'",
        [RAW_SCHEMA],
    ).fetchone()
    if not exists or not exists[0]:
        return
    with transaction(conn):
        conn.execute(
            f"""
            insert or ignore into {LEDGER}
            select 'cqa', external_interaction_id, source_file, line, status, reason,
                   interaction_id, batch_id, interaction, submitted_at, status_modified_at,
                   updated_at, null
            from {RAW_SCHEMA}.cqa__push_ledger
            """
        )
        conn.execute(f"drop table {RAW_SCHEMA}.cqa__push_ledger")


def record_rejected(
    conn: duckdb.DuckDBPyConnection,
    vendor: str,
    key: str,
    reason: str,
    *,
    source_file: str | None,
    line: int | None,
    payload: dict[str, Any] | None,
    run_id: str,
) -> None:
    """A row our checks refused. A key already sent keeps its status: the row may be a
    broken copy of one that went through."""
    conn.execute(
        f"""
        insert into {LEDGER} (vendor, submission_key, source_file, line, status, reason,
                              payload, updated_at, run_id)
        values (?, ?, ?, ?, 'rejected', ?, ?, ?, ?)
        on conflict (vendor, submission_key) do update set
            source_file = excluded.source_file, line = excluded.line, reason = excluded.reason,
            payload = excluded.payload, updated_at = excluded.updated_at,
            run_id = excluded.run_id
        where {LEDGER}.status = 'rejected'
        """,
        [
            vendor,
            key,
            source_file,
            line,
            storable_text(reason),
            json_text.dumps(payload),
            utc_now(),
            run_id,
        ],
    )


def apply(conn: duckdb.DuckDBPyConnection, vendor: str, update: Update, run_id: str) -> bool:
    """Apply what the vendor said; True when the status changed."""
    before = conn.execute(
        f"select status from {LEDGER} where vendor = ? and submission_key = ?",
        [vendor, update.key],
    ).fetchone()
    if before is None:
        return False
    conn.execute(
        f"""
        update {LEDGER} set status = ?, vendor_id = coalesce(?, vendor_id),
            batch_id = coalesce(?, batch_id), reason = ?,
            status_modified_at = coalesce(?, status_modified_at), updated_at = ?, run_id = ?
        where vendor = ? and submission_key = ?
        """,
        [
            update.status,
            update.vendor_id,
            update.batch_id,
            None if update.reason is None else storable_text(update.reason),
            _utc(update.modified_at),
            utc_now(),
            run_id,
            vendor,
            update.key,
        ],
    )
    return before[0] != update.status


def _items(conn: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[LedgerItem]:
    rows = conn.execute(
        f"select submission_key, status, vendor_id, batch_id, payload, submitted_at "
        f"from {LEDGER} where {where} order by submission_key",
        params,
    ).fetchall()
    return [
        LedgerItem(key, status, vendor_id, batch_id, json.loads(payload or "{}"), submitted_at)
        for key, status, vendor_id, batch_id, payload, submitted_at in rows
    ]


def unfinished(
    conn: duckdb.DuckDBPyConnection, vendor: str, in_progress: Sequence[str]
) -> list[LedgerItem]:
    """Submissions the vendor is still working on (`polled`)."""
    return _items(
        conn,
        "vendor = ? and status in (select unnest(?::varchar[]))",
        [vendor, polled(in_progress)],
    )


def find(
    conn: duckdb.DuckDBPyConnection,
    vendor: str,
    *,
    key: str | None = None,
    vendor_id: str | None = None,
) -> LedgerItem | None:
    """The submission of this key, or failing that the one the vendor gave this id."""
    for column, value in (("submission_key", key), ("vendor_id", vendor_id)):
        if value is None:
            continue
        found = _items(conn, f"vendor = ? and {column} = ?", [vendor, value])
        if found:
            return found[0]
    return None


def release_in_doubt(conn: duckdb.DuckDBPyConnection, vendor: str, key: str | None) -> list[str]:
    """Ask for in-doubt submissions to be sent again by the next run (all, or one key)."""
    params: list[Any] = [utc_now(), vendor]
    where = "vendor = ? and status = 'in_doubt'"
    if key is not None:
        where += " and submission_key = ?"
        params.append(key)
    rows = conn.execute(
        f"update {LEDGER} set status = 'resubmit', updated_at = ? where {where} "
        "returning submission_key",
        params,
    ).fetchall()
    return sorted(k for (k,) in rows)


def finished_since(
    conn: duckdb.DuckDBPyConnection, vendor: str, cursor: datetime | None
) -> list[tuple[datetime, date]]:
    """(updated_at, UTC day of the status change) of submissions that completed or failed
    after `cursor`."""
    rows = conn.execute(
        f"""
        select updated_at, cast(coalesce(status_modified_at, updated_at) as date)
        from {LEDGER}
        where vendor = ? and status in ('completed', 'failed')
          and (?::timestamp is null or updated_at > ?::timestamp)
        order by updated_at
        """,
        [vendor, cursor, cursor],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def payload_text(conn: duckdb.DuckDBPyConnection, vendor: str, key: str) -> str:
    """What was (or would have been) sent for `key`, as JSON text."""
    row = conn.execute(
        f"select payload from {LEDGER} where vendor = ? and submission_key = ?", [vendor, key]
    ).fetchone()
    return "" if row is None or row[0] is None else str(row[0])


def counts_by_status(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """(vendor, status) -> submissions, for status reports."""
    rows = conn.execute(
        f"select vendor, status, count(*) from {LEDGER} group by all order by all"
    ).fetchall()
    return {(vendor, status): count for vendor, status, count in rows}


def _utc(value: datetime | str | None) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
