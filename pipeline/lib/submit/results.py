"""What a vendor answers about submissions, kept as received: one row per submission and
version of the answer (`Endpoint.results`), appended when the answer changes.

There is no window to replace: an analysis polled again unchanged adds nothing, so a re-run
adds nothing, and a changed one adds its new version beside the old (staging reads the
latest). Each batch is one transaction: a row is there whole or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from pipeline.lib import raw_log
from pipeline.lib.raw_log import LoadRecord
from pipeline.lib.raw_schema import Endpoint, ensure_raw_schema, transaction
from pipeline.lib.windows import SNAPSHOT, utc_now


@dataclass(frozen=True)
class Result:
    key: str
    vendor_id: str | None
    body: str


def _hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def land_results(
    conn: duckdb.DuckDBPyConnection,
    endpoint: Endpoint,
    results: Sequence[Result],
    run_id: str,
    *,
    requests: int = 0,
) -> int:
    """Append the answers that differ from the latest kept for their submission; record the
    load. Returns how many were new."""
    ensure_raw_schema(conn, [endpoint])
    started = utc_now()
    with transaction(conn):
        latest = dict(
            conn.execute(
                f"""
                select submission_key, payload_hash from {endpoint.table}
                where submission_key in (select unnest(?::varchar[]))
                qualify row_number() over (
                    partition by submission_key order by extracted_at desc
                ) = 1
                """,
                [[r.key for r in results]],
            ).fetchall()
        )
        new = [r for r in results if latest.get(r.key) != _hash(r.body)]
        if new:
            now = utc_now()
            conn.executemany(
                f"insert into {endpoint.table} values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        endpoint.vendor,
                        endpoint.name,
                        r.key,
                        r.vendor_id,
                        r.body,
                        _hash(r.body),
                        now,
                        run_id,
                    ]
                    for r in new
                ],
            )
        raw_log.record_load(
            conn,
            LoadRecord(
                run_id=run_id,
                vendor=endpoint.vendor,
                endpoint=endpoint.name,
                window=SNAPSHOT,
                status="success",
                pages=len(results),
                records=len(new),
                quarantined=0,
                requests=requests,
                retries=0,
                started_at=started,
            ),
        )
    return len(new)
