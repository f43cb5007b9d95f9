"""`qa-warehouse quarantine list | replay`: what could not be used, and trying it again.

An item stays open until something settles it. Replaying re-runs what produced it: the
windows whose pages or records were quarantined are pulled again (a fix in our code, or the
vendor's, now lets them land, or they are quarantined again), and the vendors' once-a-run
work runs again (inbox rows that today's checks accept are sent). Items still bad stay open.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from pipeline.lib import raw_log
from pipeline.lib.vendor import Vendor
from pipeline.lib.warehouse import read_only
from pipeline.lib.windows import SNAPSHOT
from pipeline.runner import Plan

READ_WAIT_SECONDS = 10.0


def items(
    warehouse_path: Path, vendor: str | None = None, *, include_resolved: bool = False
) -> list[dict]:
    try:
        with read_only(warehouse_path, READ_WAIT_SECONDS) as conn:
            return raw_log.open_items(conn, vendor, include_resolved=include_resolved)
    except FileNotFoundError:
        return []


def describe(rows: list[dict], width: int = 100) -> str:
    """One line per item: when, vendor and endpoint, the day or key, the reason."""
    if not rows:
        return "nothing in quarantine"
    lines = []
    for row in rows:
        where = row["record_key"] or ""
        if row["window_start"] is not None and row["window_start"] != SNAPSHOT.start:
            where = f"{row['window_start']:%Y-%m-%d} {where}".strip()
        state = "resolved" if row["resolved_at"] is not None else "open"
        reason = " ".join(str(row["reason"]).split())
        line = (
            f"{row['quarantined_at']:%Y-%m-%d %H:%M}  {state:<8} {row['vendor']}/"
            f"{row['endpoint']}  {where}  {reason}"
        )
        lines.append(line if len(line) <= width else line[: width - 1] + "…")
    return "\n".join(lines)


def replay_plans(rows: list[dict], vendors: Sequence[Vendor]) -> list[Plan]:
    """The runs that retry every open item: its day for a window's item, the vendor's
    once-a-run work for the rest."""
    plans: list[Plan] = []
    for vendor in vendors:
        mine = [row for row in rows if row["vendor"] == vendor.name and row["resolved_at"] is None]
        if not mine:
            continue
        days = sorted(
            {
                row["window_start"].date()
                for row in mine
                if row["window_start"] is not None
                and row["window_start"] != SNAPSHOT.start
                and row["window_end"] - row["window_start"] == timedelta(days=1)
            }
        )
        once = any(
            row["window_start"] is None or row["window_start"] == SNAPSHOT.start for row in mine
        )
        plans.append(Plan(vendor, tuple(date.fromisoformat(str(d)) for d in days), once=once))
    return plans
