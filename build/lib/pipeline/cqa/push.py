"""Push interactions from the inbox to CQA and follow them until CQA has analysed them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import duckdb

from pipeline.cqa import ledger
from pipeline.cqa.client import CqaClient
from pipeline.cqa.inbox import InboxRow, batches, inbox_files, read_inbox_file
from pipeline.lib.landing import QUARANTINE, ensure_raw_schema, utc_now

PUSH_ENDPOINT = "push"


def _quarantine(conn: duckdb.DuckDBPyConnection, run_id: str, row: InboxRow) -> None:
    """Rejected rows are also kept where every other bad input is: raw.quarantine."""
    _quarantine_record(conn, run_id, f"{row.source_file}:{row.line}", row.reason or "", row.raw)


def _quarantine_record(
    conn: duckdb.DuckDBPyConnection, run_id: str, key: str, reason: str, body: str
) -> None:
    conn.execute(
        f"delete from {QUARANTINE} where vendor = 'cqa' and endpoint = ? and record_key = ?",
        [PUSH_ENDPOINT, key],
    )
    conn.execute(
        f"insert into {QUARANTINE} values (gen_random_uuid()::varchar, ?, 'cqa', ?, null, null, "
        "null, ?, ?, ?, ?)",
        [run_id, PUSH_ENDPOINT, key, f"{key}: {reason}", body, utc_now()],
    )


def push_inbox(
    conn: duckdb.DuckDBPyConnection,
    client: CqaClient,
    inbox: Path,
    column_mapping: Mapping[str, str],
    run_id: str,
) -> Counter[str]:
    """Validate, submit what is new, track batch jobs, poll pending interactions."""
    ensure_raw_schema(conn, [])
    ledger.ensure_ledger(conn)
    counts: Counter[str] = Counter()

    good: list[InboxRow] = []
    for path in inbox_files(inbox):
        counts["files"] += 1
        for row in read_inbox_file(path, column_mapping):
            counts["rows"] += 1
            if row.ok:
                good.append(row)
            else:
                counts["rejected"] += 1
                ledger.record_rejected(conn, row, row.reason or "")
                _quarantine(conn, run_id, row)

    # The same id twice in the inbox, or already sent in an earlier run: never sent again.
    seen: set[str] = set()
    unique = []
    for row in good:
        if row.external_id in seen:
            counts["duplicates_in_inbox"] += 1
            continue
        seen.add(row.external_id)
        unique.append(row)
    done = ledger.already_submitted(conn, (r.external_id for r in unique))
    new = [r for r in unique if r.external_id not in done]
    counts["already_submitted"] += len(unique) - len(new)

    for batch in batches(new):
        job = client.submit_batch([r.interaction for r in batch])
        ledger.record_submitted(conn, batch, job["id"])
        for error in job.get("errors") or []:
            if ledger.record_rejected_by_cqa(conn, error) == "rejected":
                # CQA's own validation message, kept with the row it refused.
                key = str(error.get("external_interaction_id"))
                sent = next((r for r in batch if r.external_id == key), None)
                _quarantine_record(
                    conn, run_id, key, f"CQA: {error.get('reason')}", sent.raw if sent else ""
                )
        counts["submitted"] += int(job.get("accepted", len(batch)))
        counts["batches"] += 1

    for batch_id in ledger.open_batches(conn):
        for page in client.batch_pages(batch_id):
            for interaction in page.get("interactions") or []:
                ledger.update_from_cqa(conn, interaction)
            for error in page.get("errors") or []:
                ledger.record_rejected_by_cqa(conn, error)
        counts["batches_tracked"] += 1

    for interaction_id in ledger.pending(conn):
        data = client.interaction_data(interaction_id)
        if ledger.update_from_cqa(conn, data):
            counts[f"became_{str(data.get('status')).lower()}"] += 1
    counts["pending"] = len(ledger.pending(conn))
    return counts
