"""Move what the journal holds into the vendor's raw table, exactly once.

Each batch is one warehouse transaction: the deliveries matched to their request go into
`raw.<vendor>__<endpoint>` (keyed by the vendor's delivery id, so a batch done twice adds
nothing), the ledger learns what each says of its submission, and what cannot be used goes
to `raw.quarantine` with the reason (once: an open item is not added again). Only after the
commit does the journal mark the batch landed, so a landing that stops anywhere is finished
by the next one. A delivery naming no request we know of stays `unmatched` in the journal and
is tried again by every landing (its request may be recorded later: a request in doubt, a
warehouse restored); it lands, and its quarantine item is settled, once it matches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

import duckdb

from pipeline.lib import raw_log
from pipeline.lib.raw_log import LoadRecord, QuarantineItem
from pipeline.lib.raw_schema import QUARANTINE, ensure_raw_schema, transaction
from pipeline.lib.receive.journal import (
    LANDED,
    QUARANTINED,
    UNMATCHED,
    Journal,
    StoredDelivery,
)
from pipeline.lib.receive.source import (
    ReadDelivery,
    Unmatched,
    UnreadableDelivery,
    WebhookSource,
    media_type,
    parse_body,
    payload_json,
)
from pipeline.lib.redaction import reason_of
from pipeline.lib.submit import ledger
from pipeline.lib.windows import SNAPSHOT, utc_now

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
BATCH_SIZE = 500

# What one delivery's landing may raise that is about that delivery (a value the warehouse or
# the vendor's matching cannot take), not about the warehouse as a whole.
UNSTORABLE = (
    duckdb.ConversionException,
    duckdb.InvalidInputException,
    ValueError,
    TypeError,
    AttributeError,
    KeyError,
)

REPORTED = ("deliveries", "landed", "quarantined", "unmatched", "copies_dropped", "batches")


def land_deliveries(
    connect: Connect,
    journal: Journal,
    source: WebhookSource,
    run_id: str,
    *,
    batch_size: int = BATCH_SIZE,
) -> Counter[str]:
    """Land every delivery the journal holds for `source`'s vendor; what happened, counted."""
    counts: Counter[str] = Counter(dict.fromkeys(REPORTED, 0))
    with connect() as conn:
        ensure_raw_schema(conn, [source.endpoint])
        ledger.ensure_ledger(conn)
    after = 0
    started = utc_now()
    while batch := journal.to_land(source.vendor, batch_size, after=after):
        after = batch[-1].delivery_id
        tried = Counter(counts)
        with connect() as conn:
            try:
                with transaction(conn):
                    outcomes = [
                        (d.delivery_id, _land_one(conn, source, d, run_id, tried)) for d in batch
                    ]
                    _record(conn, source, run_id, started, tried, len(batch))
                counts = tried
            except UNSTORABLE:
                # One delivery the warehouse cannot take stops no other: each goes alone, and
                # the one that fails is quarantined with the reason.
                outcomes = [
                    (d.delivery_id, _land_alone(conn, source, d, run_id, counts)) for d in batch
                ]
                with transaction(conn):
                    _record(conn, source, run_id, started, counts, len(batch))
        journal.mark(outcomes, run_id)
        counts["deliveries"] += len(batch)
        counts["batches"] += 1
    return counts


def _record(
    conn: duckdb.DuckDBPyConnection,
    source: WebhookSource,
    run_id: str,
    started: datetime,
    counts: Counter[str],
    batch: int,
) -> None:
    """The run's load of this vendor's deliveries, so far (one row per run, kept current)."""
    raw_log.record_load(
        conn,
        LoadRecord(
            run_id=run_id,
            vendor=source.vendor,
            endpoint=source.endpoint.name,
            window=SNAPSHOT,
            status="success",
            pages=counts["deliveries"] + batch,
            records=counts["landed"],
            quarantined=counts["quarantined"] + counts["unmatched"],
            requests=0,
            retries=0,
            started_at=started,
        ),
    )


def _land_alone(
    conn: duckdb.DuckDBPyConnection,
    source: WebhookSource,
    delivery: StoredDelivery,
    run_id: str,
    counts: Counter[str],
) -> str:
    tried = Counter(counts)
    try:
        with transaction(conn):
            outcome = _land_one(conn, source, delivery, run_id, tried)
    except UNSTORABLE as exc:
        with transaction(conn):
            _quarantine_once(
                conn,
                source,
                delivery,
                f"the warehouse could not store it: {reason_of(exc)}",
                run_id,
            )
        counts["quarantined"] += 1
        return QUARANTINED
    counts.update(tried - counts)  # what landing it added
    return outcome


def _land_one(
    conn: duckdb.DuckDBPyConnection,
    source: WebhookSource,
    delivery: StoredDelivery,
    run_id: str,
    counts: Counter[str],
) -> str:
    counts["copies_dropped"] += delivery.copies - 1 if delivery.outcome is None else 0
    if delivery.problem is not None:
        _quarantine_once(conn, source, delivery, delivery.problem, run_id)
        counts["quarantined"] += 1
        return QUARANTINED
    try:
        payload = parse_body(delivery.content_type, delivery.body)
        read = ReadDelivery(
            delivery.delivery_key, delivery.reference, payload, delivery.received_at
        )
        update = source.match(conn, read)
    except UnreadableDelivery as exc:
        _quarantine_once(conn, source, delivery, exc.reason, run_id)
        counts["quarantined"] += 1
        return QUARANTINED
    except Unmatched as exc:
        _quarantine_once(conn, source, delivery, exc.reason, run_id)
        counts["unmatched"] += 1
        return UNMATCHED
    form = media_type(delivery.content_type) == "application/x-www-form-urlencoded"
    conn.execute(
        f"""
        insert into {source.endpoint.table} (delivery_key, vendor, endpoint, submission_key,
            reference, content_type, payload, form_body, received_at, copies, landed_at, run_id,
            vendor_id_verified)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        on conflict (delivery_key) do nothing
        """,
        [
            delivery.delivery_key,
            source.vendor,
            source.endpoint.name,
            update.key,
            delivery.reference,
            delivery.content_type,
            payload_json(delivery.content_type, delivery.body),
            delivery.body.decode("utf-8") if form else None,
            delivery.received_at,
            delivery.copies,
            utc_now(),
            run_id,
            update.verified,
        ],
    )
    ledger.apply(conn, source.vendor, update, run_id)
    # It was unmatched before: its request is known now.
    raw_log.resolve_items(
        conn,
        source.vendor,
        source.endpoint.name,
        delivery.delivery_key,
        f"matched to {update.key} and landed by run {run_id}",
    )
    counts["landed"] += 1
    return LANDED


def _quarantine_once(
    conn: duckdb.DuckDBPyConnection,
    source: WebhookSource,
    delivery: StoredDelivery,
    reason: str,
    run_id: str,
) -> None:
    (already,) = conn.execute(
        f"select count(*) from {QUARANTINE} where vendor = ? and endpoint = ? "
        "and record_key = ? and resolved_at is null",
        [source.vendor, source.endpoint.name, delivery.delivery_key],
    ).fetchone()
    if already:
        return
    raw_log.quarantine(
        conn,
        [
            QuarantineItem(
                run_id=run_id,
                vendor=source.vendor,
                endpoint=source.endpoint.name,
                reason=f"delivery {delivery.delivery_key}: {reason}",
                # Kept whole and as received: bytes that are not UTF-8 escaped, not replaced.
                body=delivery.body.decode("utf-8", errors="backslashreplace"),
                record_key=delivery.delivery_key,
            )
        ],
    )
