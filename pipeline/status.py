"""`qa-warehouse status`: per vendor, what was last loaded and what is still to come."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.lib.raw_schema import LOAD_LOG, QUARANTINE
from pipeline.lib.receive.journal import Journal
from pipeline.lib.submit.ledger import LEDGER, NOT_POLLED, TIMED_OUT_LIKE
from pipeline.lib.warehouse import WarehouseLockTimeout, read_only
from pipeline.lib.windows import SNAPSHOT

# How long `status` waits for a run to release the warehouse before saying so.
READ_WAIT_SECONDS = 10.0


def next_daily_run(cron: str, now: datetime) -> datetime:
    """Next run of a daily `M H * * *` schedule (the form every vendor schedule has)."""
    minute, hour, *rest = cron.split()
    if rest != ["*", "*", "*"]:
        raise ValueError(f"not a daily schedule: {cron}")
    candidate = now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)


def _tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in conn.execute(
            "select schema_name, table_name from duckdb_tables()"
        ).fetchall()
    }


def _waiting(journal_path: Path | None) -> dict[str, int]:
    """Per vendor, deliveries the receiver took that are not landed (or not matched) yet."""
    if journal_path is None or not journal_path.exists():
        return {}
    with Journal(journal_path) as journal:
        return {
            vendor: counts.get("waiting", 0) + counts.get("unmatched", 0)
            for vendor, counts in journal.counts_by_vendor().items()
        }


def vendor_status(
    warehouse_path: Path,
    crons: dict[str, str],
    vendors: Sequence[str],
    enabled: Sequence[str],
    now: datetime | None = None,
    journal_path: Path | None = None,
) -> str:
    """One line per vendor. `pending`: submissions the vendor has not finished; `in doubt`:
    sent with an unknown outcome; `overdue`: failed for want of a result within the
    vendor's timeout; `waiting`: webhook deliveries received but not landed yet (or naming
    no request known yet)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    header = (
        f"{'vendor':<11}{'enabled':<9}{'last window':<13}{'rows':>7}{'quarantined':>13}"
        f"{'pending':>9}{'in doubt':>10}{'overdue':>9}{'waiting':>9}  "
        f"{'last load (UTC)':<18}{'next run (UTC)':<16}"
    )
    lines = [header]
    waiting = _waiting(journal_path)
    try:
        with read_only(warehouse_path, READ_WAIT_SECONDS) as conn:
            tables = _tables(conn)
            for vendor in vendors:
                window = rows = finished = None
                quarantined = pending = in_doubt = overdue = 0
                if LOAD_LOG in tables:
                    window, finished = conn.execute(
                        f"select max(window_start), max(finished_at) from {LOAD_LOG} "
                        "where vendor = ? and status = 'success' and window_start <> ?",
                        [vendor, SNAPSHOT.start],
                    ).fetchone()
                    if window is not None:
                        (rows,) = conn.execute(
                            f"select sum(records) from (select records from {LOAD_LOG} "
                            "where vendor = ? and status = 'success' and window_start = ? "
                            "qualify row_number() over "
                            "(partition by endpoint order by finished_at desc) = 1)",
                            [vendor, window],
                        ).fetchone()
                if QUARANTINE in tables:
                    (quarantined,) = conn.execute(
                        f"select count(*) from {QUARANTINE} where vendor = ?", [vendor]
                    ).fetchone()
                if LEDGER in tables:
                    pending, in_doubt, overdue = conn.execute(
                        f"select count(*) filter (where status not in "
                        f"(select unnest(?::varchar[]))), "
                        f"count(*) filter (where status = 'in_doubt'), "
                        f"count(*) filter (where status = 'failed' and reason like ?) "
                        f"from {LEDGER} where vendor = ?",
                        [list(NOT_POLLED), TIMED_OUT_LIKE, vendor],
                    ).fetchone()
                nxt = next_daily_run(crons[vendor], now) if vendor in crons else None
                lines.append(
                    f"{vendor:<11}{'yes' if vendor in enabled else 'no':<9}"
                    f"{window.date().isoformat() if window else '-':<13}"
                    f"{rows if rows is not None else '-':>7}{quarantined:>13}{pending:>9}"
                    f"{in_doubt:>10}{overdue:>9}{waiting.get(vendor, 0):>9}  "
                    f"{finished.strftime('%Y-%m-%d %H:%M') if finished else '-':<18}"
                    f"{nxt.strftime('%Y-%m-%d %H:%M') if nxt else '-':<16}"
                )
    except FileNotFoundError:
        return f"no warehouse yet at {warehouse_path}: run `qa-warehouse run` or the demo first"
    except WarehouseLockTimeout:
        return f"{warehouse_path} is being written by a run right now; try again in a moment"
    lines.append("")
    lines.append("Next runs are those of the daily schedules, when the Dagster daemon runs them.")
    return "\n".join(lines)
