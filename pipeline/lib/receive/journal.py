"""The webhook journal: what the receiver accepted, on disk before it answered.

SQLite in WAL mode with `synchronous=FULL`: a delivery is durable when its insert commits,
and the receiver answers 2xx only after that, so a receiver killed right after answering
still has it. One row per vendor and delivery key (the vendor's id of what it delivers): a
retried delivery adds a copy to the count, never a row. The receiver writes; the pipeline
reads what is not landed and marks it landed after its warehouse commit (`land.py`), so a
landing that stops midway is simply done again.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# What a landing made of a delivery.
LANDED = "landed"
QUARANTINED = "quarantined"
# Names no request we know of yet: tried again by every landing, quarantined meanwhile.
UNMATCHED = "unmatched"

_SCHEMA = """
create table if not exists deliveries (
    delivery_id integer primary key autoincrement,
    vendor text not null,
    delivery_key text not null,
    -- What the callback URL named (our own id of the request), authenticated with it.
    reference text,
    content_type text,
    body blob not null,
    -- Why the receiver could not read it (kept all the same, answered 200).
    problem text,
    received_at text not null,
    last_received_at text not null,
    copies integer not null default 1,
    outcome text,
    landed_at text,
    landed_run_id text,
    unique (vendor, delivery_key)
)
"""


@dataclass(frozen=True)
class Delivery:
    """One delivery as the receiver accepted it."""

    vendor: str
    delivery_key: str
    body: bytes
    content_type: str | None = None
    reference: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class StoredDelivery:
    delivery_id: int
    vendor: str
    delivery_key: str
    reference: str | None
    content_type: str | None
    body: bytes
    problem: str | None
    received_at: datetime
    copies: int
    outcome: str | None


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


class Journal:
    """The journal file, opened by the receiver (writes) or by the pipeline (lands)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Vendor data: its owner's alone, whatever the umask of the process that opens it
        # first. SQLite gives the WAL and its index the database file's mode.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self.path.chmod(0o600)
        # One connection shared by the receiver's worker threads, one statement at a time.
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("pragma journal_mode = wal")
        # FULL: every commit waits for its fsync, the WAL's own durability guarantee.
        self._conn.execute("pragma synchronous = full")
        self._conn.execute("pragma busy_timeout = 30000")
        self._conn.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def record(self, delivery: Delivery) -> bool:
        """Commit one delivery; False when its key was already there (a copy is counted).
        Returns only once the commit is on disk."""
        now = _now()
        with self._lock:
            (copies,) = self._conn.execute(
                """
                insert into deliveries (vendor, delivery_key, reference, content_type, body,
                                        problem, received_at, last_received_at)
                values (?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (vendor, delivery_key) do update set
                    copies = copies + 1, last_received_at = excluded.last_received_at
                returning copies
                """,
                [
                    delivery.vendor,
                    delivery.delivery_key,
                    delivery.reference,
                    delivery.content_type,
                    delivery.body,
                    delivery.problem,
                    now,
                    now,
                ],
            ).fetchone()
        return copies == 1

    def to_land(self, vendor: str, limit: int, *, after: int = 0) -> list[StoredDelivery]:
        """Deliveries no landing has finished with, oldest first, from after the id `after`:
        never landed, or landed as unmatched (their request may be known now)."""
        with self._lock:
            rows = self._conn.execute(
                """
                select delivery_id, vendor, delivery_key, reference, content_type, body,
                       problem, received_at, copies, outcome
                from deliveries
                where vendor = ? and delivery_id > ? and (landed_at is null or outcome = ?)
                order by delivery_id
                limit ?
                """,
                [vendor, after, UNMATCHED, limit],
            ).fetchall()
        return [
            StoredDelivery(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                bytes(row[5]),
                row[6],
                datetime.fromisoformat(row[7]),
                row[8],
                row[9],
            )
            for row in rows
        ]

    def mark(self, outcomes: Sequence[tuple[int, str]], run_id: str) -> None:
        """Record what a landing made of each delivery (after the warehouse committed it)."""
        now = _now()
        with self._lock:
            self._conn.execute("begin immediate")
            try:
                self._conn.executemany(
                    "update deliveries set outcome = ?, landed_at = ?, landed_run_id = ? "
                    "where delivery_id = ?",
                    [[outcome, now, run_id, delivery_id] for delivery_id, outcome in outcomes],
                )
                self._conn.execute("commit")
            except BaseException:
                self._conn.execute("rollback")
                raise

    def counts(self, vendor: str) -> dict[str, int]:
        """One vendor's deliveries by state: `waiting` (not landed yet), and each landing
        outcome."""
        return self.counts_by_vendor().get(vendor, {})

    def counts_by_vendor(self) -> dict[str, dict[str, int]]:
        with self._lock:
            rows = self._conn.execute(
                """
                select vendor, case when landed_at is null then 'waiting' else outcome end,
                       count(*)
                from deliveries group by 1, 2
                """
            ).fetchall()
        counts: dict[str, dict[str, int]] = {}
        for vendor, state, count in rows:
            counts.setdefault(vendor, {})[state] = count
        return counts

    def newest_waiting(self, vendor: str) -> int | None:
        """The id of the newest delivery not landed yet, or None."""
        with self._lock:
            (newest,) = self._conn.execute(
                "select max(delivery_id) from deliveries where vendor = ? and (landed_at is null)",
                [vendor],
            ).fetchone()
        return newest

    def ping(self) -> None:
        """Raise when the journal cannot be read (the receiver's health check)."""
        with self._lock:
            self._conn.execute("select count(*) from deliveries where 0").fetchone()
