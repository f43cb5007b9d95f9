"""`qa-warehouse status`: per vendor, what was last loaded and what is still to come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.lib.settings import ALL_VENDORS
from pipeline.lib.windows import SNAPSHOT


def next_daily_run(cron: str, now: datetime) -> datetime:
    """Next run of a daily `M H * * *` schedule (the form every vendor schedule has)."""
    minute, hour, *rest = cron.split()
    if rest != ["*", "*", "*"]:
        raise ValueError(f"not a daily schedule: {cron}")
    candidate = now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)


def _one(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple:
    return conn.execute(sql, params).fetchone()


def vendor_status(
    warehouse_path: Path, crons: dict[str, str], enabled: list[str], now: datetime | None = None
) -> str:
    now = now or datetime.now(UTC).replace(tzinfo=None)
    header = (
        f"{'vendor':<11}{'enabled':<9}{'last window':<13}{'rows':>7}{'quarantined':>13}"
        f"{'pending':>9}  {'last load (UTC)':<18}{'next run (UTC)':<16}"
    )
    lines = [header]
    if not warehouse_path.exists():
        return f"no warehouse yet at {warehouse_path}: run `qa-warehouse run` or the demo first"
    try:
        conn = duckdb.connect(str(warehouse_path), read_only=True)
    except duckdb.IOException:
        return f"{warehouse_path} is being written by a run right now; try again in a moment"
    with conn:
        has = {
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        for vendor in ALL_VENDORS:
            window = rows = finished = None
            quarantined = pending = 0
            if "load_log" in has:
                window, finished = _one(
                    conn,
                    "select max(window_start), max(finished_at) from raw.load_log "
                    "where vendor = ? and status = 'success' and window_start <> ?",
                    [vendor, SNAPSHOT.start],
                )
                if window is not None:
                    (rows,) = _one(
                        conn,
                        "select sum(records) from (select records from raw.load_log "
                        "where vendor = ? and status = 'success' and window_start = ? "
                        "qualify row_number() over "
                        "(partition by endpoint order by finished_at desc) = 1)",
                        [vendor, window],
                    )
            if "quarantine" in has:
                (quarantined,) = _one(
                    conn, "select count(*) from raw.quarantine where vendor = ?", [vendor]
                )
            if vendor == "cqa" and "cqa__push_ledger" in has:
                (pending,) = _one(
                    conn,
                    "select count(*) from raw.cqa__push_ledger "
                    "where status in ('submitted', 'queued', 'processing')",
                    [],
                )
            nxt = next_daily_run(crons[vendor], now) if vendor in crons else None
            lines.append(
                f"{vendor:<11}{'yes' if vendor in enabled else 'no':<9}"
                f"{window.date().isoformat() if window else '-':<13}"
                f"{rows if rows is not None else '-':>7}{quarantined:>13}{pending:>9}  "
                f"{finished.strftime('%Y-%m-%d %H:%M') if finished else '-':<18}"
                f"{nxt.strftime('%Y-%m-%d %H:%M') if nxt else '-':<16}"
            )
    lines.append("")
    lines.append("Next runs are those of the daily schedules, when the Dagster daemon runs them.")
    return "\n".join(lines)
