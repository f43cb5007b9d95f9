"""`qa-warehouse status`: per vendor, what was last loaded and what is still to come.

Figures come from the warehouse (read through its lock), the webhook journal and the Dagster
instance (whether each vendor's schedule is running: a schedule that is off has no next run).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.lib.raw_schema import LOAD_LOG, QUARANTINE
from pipeline.lib.receive.journal import Journal
from pipeline.lib.submit.ledger import LEDGER, TIMED_OUT_LIKE, polled, unknown_words
from pipeline.lib.warehouse import WarehouseLockTimeout, read_only
from pipeline.lib.windows import SNAPSHOT
from pipeline.vendors import VENDORS

# The legend's lines, no wider than the table.
LEGEND_WIDTH = 98
# How long `status` waits for a run to release the warehouse before saying so.
READ_WAIT_SECONDS = 10.0


class StatusUnavailable(RuntimeError):
    """The warehouse cannot be read now (none yet, or a run is writing it)."""


@dataclass(frozen=True)
class Schedule:
    """A vendor's main schedule as the Dagster instance has it."""

    name: str
    cron: str
    running: bool


@dataclass
class VendorStatus:
    vendor: str
    # All its required variables are set in this environment (the pipeline would run it).
    configured: bool
    last_day: str | None = None
    # Rows landed for that day by its last successful load (all the vendor's endpoints).
    last_day_rows: int | None = None
    last_load_at: str | None = None
    open_quarantine: int = 0
    pending: int = 0
    in_doubt: int = 0
    overdue: int = 0
    waiting_deliveries: int = 0
    # Statuses the vendor ended submissions with that it does not document (kept as received).
    unknown_statuses: dict[str, int] = field(default_factory=dict)
    schedules: list[dict[str, object]] = field(default_factory=list)
    next_run_at: str | None = None


def next_daily_run(cron: str, now: datetime) -> datetime:
    """Next run of a daily `M H * * *` schedule (the form every vendor schedule has)."""
    minute, hour, *rest = cron.split()
    if rest != ["*", "*", "*"]:
        raise ValueError(f"not a daily schedule: {cron}")
    candidate = now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)


def next_run(cron: str, now: datetime) -> datetime | None:
    """The next tick of a cron schedule, in UTC."""
    from dagster._utils.schedules import cron_string_iterator

    ticks = cron_string_iterator(now.replace(tzinfo=UTC).timestamp(), cron, "UTC")
    return next(ticks).astimezone(UTC).replace(tzinfo=None)


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


def collect_status(
    warehouse_path: Path,
    vendors: Sequence[str],
    enabled: Sequence[str],
    schedules: Mapping[str, Sequence[Schedule]] | None = None,
    now: datetime | None = None,
    journal_path: Path | None = None,
) -> list[VendorStatus]:
    """One `VendorStatus` per vendor; `StatusUnavailable` when the warehouse cannot be read."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    schedules = schedules or {}
    waiting = _waiting(journal_path)
    result: list[VendorStatus] = []
    try:
        with read_only(warehouse_path, READ_WAIT_SECONDS) as conn:
            tables = _tables(conn)
            for vendor in vendors:
                status = VendorStatus(vendor, vendor in enabled)
                _fill(conn, tables, status)
                status.waiting_deliveries = waiting.get(vendor, 0)
                own = schedules.get(vendor, [])
                status.schedules = [
                    {"name": s.name, "cron": s.cron, "running": s.running} for s in own
                ]
                upcoming = [next_run(s.cron, now) for s in own if s.running]
                if upcoming:
                    status.next_run_at = min(t for t in upcoming if t).strftime("%Y-%m-%d %H:%M")
                result.append(status)
    except FileNotFoundError:
        raise StatusUnavailable(
            f"no warehouse yet at {warehouse_path}: run `qa-warehouse run` or the demo first"
        ) from None
    except WarehouseLockTimeout:
        raise StatusUnavailable(
            f"{warehouse_path} is being written by a run right now; try again in a moment"
        ) from None
    return result


def _fill(conn: duckdb.DuckDBPyConnection, tables: set[str], status: VendorStatus) -> None:
    vendor = status.vendor
    if LOAD_LOG in tables:
        (window,) = conn.execute(
            f"select max(window_start) from {LOAD_LOG} "
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
            status.last_day = window.date().isoformat()
            status.last_day_rows = int(rows or 0)
        (last_load,) = conn.execute(
            f"select max(finished_at) from {LOAD_LOG} where vendor = ? and status = 'success'",
            [vendor],
        ).fetchone()
        if last_load is not None:
            status.last_load_at = last_load.strftime("%Y-%m-%d %H:%M")
    if QUARANTINE in tables:
        (status.open_quarantine,) = conn.execute(
            f"select count(*) from {QUARANTINE} where vendor = ? and resolved_at is null",
            [vendor],
        ).fetchone()
    if LEDGER in tables:
        in_progress = next((v.in_progress for v in VENDORS if v.name == vendor), ())
        status.pending, status.in_doubt, status.overdue = conn.execute(
            f"select count(*) filter (where status in (select unnest(?::varchar[]))), "
            f"count(*) filter (where status = 'in_doubt'), "
            f"count(*) filter (where status = 'failed' and reason like ?) "
            f"from {LEDGER} where vendor = ?",
            [polled(in_progress), TIMED_OUT_LIKE, vendor],
        ).fetchone()
        words = dict(
            conn.execute(
                f"select status, count(*) from {LEDGER} where vendor = ? group by all",
                [vendor],
            ).fetchall()
        )
        status.unknown_statuses = {
            word: words[word] for word in sorted(unknown_words(words, in_progress))
        }


# Narrow enough for a terminal of 100 columns; `--json` has every field in full.
COLUMNS = (
    ("vendor", 10, "<"),
    ("set", 3, "<"),
    ("last day", 10, "<"),
    ("rows", 6, ">"),
    ("quarantine", 10, ">"),
    ("pending", 7, ">"),
    ("in doubt", 8, ">"),
    ("overdue", 7, ">"),
    ("waiting", 7, ">"),
    ("last load", 11, ">"),
    ("next run", 11, ">"),
)

LEGEND = (
    "set: the vendor's variables are set here. last day: the last day loaded, with the "
    "rows landed for it. quarantine: open items (`qa-warehouse quarantine list`). pending / "
    "in doubt / overdue: submissions not finished, sent with an unknown outcome, failed for "
    "want of a result. waiting: webhook deliveries not landed yet. last load, next run: UTC, "
    "month-day hour:minute; next run of the vendor's running schedules (`off`: none runs; "
    "turn them on in the Dagster UI). -: nothing of the kind yet."
)


def _short_time(stamp: str | None) -> str | None:
    """`2026-03-01 06:10` as `03-01 06:10`: the year is this year's, or in `--json`."""
    return stamp[5:] if stamp else None


def render_table(statuses: Sequence[VendorStatus]) -> str:
    def line(values: Sequence[object]) -> str:
        return " ".join(
            f"{'-' if v is None else v!s:{align}{width}}"
            for v, (_, width, align) in zip(values, COLUMNS, strict=True)
        ).rstrip()

    lines = [line([name for name, _, _ in COLUMNS])]
    for s in statuses:
        lines.append(
            line(
                [
                    s.vendor,
                    "yes" if s.configured else "no",
                    s.last_day,
                    s.last_day_rows,
                    s.open_quarantine,
                    s.pending,
                    s.in_doubt,
                    s.overdue,
                    s.waiting_deliveries,
                    _short_time(s.last_load_at),
                    _short_time(s.next_run_at) or ("off" if s.schedules else None),
                ]
            )
        )
    for s in statuses:
        if s.unknown_statuses:
            words = ", ".join(f"{word!r} ({n})" for word, n in s.unknown_statuses.items())
            lines += textwrap.wrap(
                f"{s.vendor}: submissions ended with statuses {s.vendor} does not document: "
                f"{words}; taken as final, kept as received",
                width=LEGEND_WIDTH,
                subsequent_indent="  ",
            )
    lines += ["", *textwrap.wrap(LEGEND, width=LEGEND_WIDTH)]
    return "\n".join(lines)


def render_json(statuses: Sequence[VendorStatus]) -> str:
    return json.dumps([asdict(s) for s in statuses], indent=2)


def vendor_status(
    warehouse_path: Path,
    crons: Mapping[str, str],
    vendors: Sequence[str],
    enabled: Sequence[str],
    now: datetime | None = None,
    journal_path: Path | None = None,
) -> str:
    """The table, with every schedule of `crons` taken as running (as a deployment whose
    daemon runs them); a message instead when the warehouse cannot be read."""
    schedules = {v: [Schedule(f"{v}_daily", cron, True)] for v, cron in crons.items()}
    try:
        return render_table(
            collect_status(warehouse_path, vendors, enabled, schedules, now, journal_path)
        )
    except StatusUnavailable as exc:
        return str(exc)
