"""What was pushed to CQA: one row per external interaction id, so nothing is sent twice and
pending interactions are followed until they complete or fail."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from pipeline.cqa.inbox import InboxRow
from pipeline.lib.landing import RAW_SCHEMA, utc_now

LEDGER = f"{RAW_SCHEMA}.cqa__push_ledger"
PENDING = ("submitted", "queued", "processing")
DONE = ("completed", "failed")


def ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    conn.execute(
        f"""
        create table if not exists {LEDGER} (
            external_interaction_id varchar primary key,
            source_file varchar,
            line integer,
            status varchar not null,
            reason varchar,
            interaction_id varchar,
            batch_id varchar,
            interaction json,
            submitted_at timestamp,
            status_modified_at timestamp,
            updated_at timestamp not null
        )
        """
    )


def already_submitted(conn: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> set[str]:
    ids = list(ids)
    if not ids:
        return set()
    rows = conn.execute(
        f"select external_interaction_id from {LEDGER} "
        "where status <> 'rejected' and external_interaction_id in (select unnest(?))",
        [ids],
    ).fetchall()
    return {r[0] for r in rows}


def record_rejected(conn: duckdb.DuckDBPyConnection, row: InboxRow, reason: str) -> None:
    if row.external_id is None:
        return
    conn.execute(
        f"""
        insert into {LEDGER} (external_interaction_id, source_file, line, status, reason,
                              interaction, updated_at)
        values (?, ?, ?, 'rejected', ?, ?, ?)
        on conflict (external_interaction_id) do update set
            source_file = excluded.source_file, line = excluded.line, reason = excluded.reason,
            updated_at = excluded.updated_at
        where {LEDGER}.status = 'rejected'
        """,
        [
            row.external_id,
            row.source_file,
            row.line,
            reason,
            json.dumps(row.interaction),
            utc_now(),
        ],
    )


def record_submitted(conn: duckdb.DuckDBPyConnection, rows: list[InboxRow], batch_id: str) -> None:
    now = utc_now()
    conn.executemany(
        f"""
        insert or replace into {LEDGER} (external_interaction_id, source_file, line, status,
            batch_id, interaction, submitted_at, updated_at)
        values (?, ?, ?, 'submitted', ?, ?, ?, ?)
        """,
        [
            [r.external_id, r.source_file, r.line, batch_id, json.dumps(r.interaction), now, now]
            for r in rows
        ],
    )


def update_from_cqa(conn: duckdb.DuckDBPyConnection, interaction: dict[str, Any]) -> bool:
    """Apply an interaction as CQA reports it; True when its status changed."""
    external = interaction.get("external_interaction_id")
    status = str(interaction.get("status") or "").lower()
    if not external or not status:
        return False
    before = conn.execute(
        f"select status from {LEDGER} where external_interaction_id = ?", [external]
    ).fetchone()
    if before is None:
        return False
    modified = _utc(interaction.get("status_modified_at"))
    conn.execute(
        f"""
        update {LEDGER} set status = ?, interaction_id = coalesce(?, interaction_id),
            reason = ?, status_modified_at = coalesce(?, status_modified_at), updated_at = ?
        where external_interaction_id = ?
        """,
        [
            status,
            interaction.get("interaction_id"),
            interaction.get("failure_reason"),
            modified,
            utc_now(),
            external,
        ],
    )
    return before[0] != status


def record_rejected_by_cqa(conn: duckdb.DuckDBPyConnection, error: dict[str, Any]) -> str | None:
    """Record a row CQA refused; returns `duplicate` or `rejected`."""
    external = error.get("external_interaction_id")
    reason = str(error.get("reason") or "rejected by CQA")
    if not external:
        return None
    # CQA refusing a duplicate means it already has it: that is "submitted", not an error.
    status = "duplicate" if reason.lower().startswith("duplicate") else "rejected"
    conn.execute(
        f"update {LEDGER} set status = ?, reason = ?, updated_at = ? "
        "where external_interaction_id = ? and status = 'submitted'",
        [status, f"CQA: {reason}", utc_now(), external],
    )
    return status


def open_batches(conn: duckdb.DuckDBPyConnection) -> list[str]:
    rows = conn.execute(
        f"select distinct batch_id from {LEDGER} "
        "where status = 'submitted' and batch_id is not null"
    ).fetchall()
    return [r[0] for r in rows]


def pending(conn: duckdb.DuckDBPyConnection) -> list[str]:
    rows = conn.execute(
        f"select interaction_id from {LEDGER} where status in ('queued', 'processing') "
        "and interaction_id is not null order by interaction_id"
    ).fetchall()
    return [r[0] for r in rows]


def finished_since(
    conn: duckdb.DuckDBPyConnection, cursor: datetime | None
) -> list[tuple[datetime, date]]:
    """(updated_at, UTC day of the status change) of interactions that completed or failed
    after `cursor`: the days whose analyses must be pulled again."""
    rows = conn.execute(
        f"""
        select updated_at, cast(coalesce(status_modified_at, updated_at) as date)
        from {LEDGER}
        where status in {DONE} and (? is null or updated_at > ?)
        order by updated_at
        """,
        [cursor, cursor],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _utc(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
