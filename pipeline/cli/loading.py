"""Commands that load the warehouse: `demo` and `run`."""

import contextlib
import importlib.util
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import UsageProblem, Verbose, app, check_vendors
from pipeline.cli.output import run_and_report

# How long the demo waits for the analyses of the calls it submitted.
DEMO_SETTLE_SECONDS = 60.0


def days_back(days: int) -> tuple[date, date]:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return yesterday - timedelta(days=max(days, 1) - 1), yesterday


def earliest_loaded_day(warehouse: Path) -> date | None:
    """The first day any load of the warehouse covered, if it has one (and can be read)."""
    if not warehouse.exists():
        return None
    import duckdb

    from pipeline.lib.windows import SNAPSHOT

    with (
        contextlib.suppress(duckdb.Error),
        duckdb.connect(str(warehouse), read_only=True) as conn,
    ):
        # Days only: a snapshot's window (a list refreshed whole) spans the century.
        (landed,) = conn.execute(
            "select min(window_start)::date from raw.load_log where window_start > ?",
            [SNAPSHOT.start],
        ).fetchone()
        return landed
    return None


def start_partitions_at_the_demo(warehouse: Path, first_day: date) -> None:
    """Daily partitions from the demo's first day (or the warehouse's, if it holds earlier
    days), not from the production default: a fresh demo then shows what it has, not a year
    of "missing" days. A QA_PARTITIONS_START the user set wins."""
    if "QA_PARTITIONS_START" in os.environ:
        return
    earliest = min(first_day, earliest_loaded_day(warehouse) or first_day)
    os.environ["QA_PARTITIONS_START"] = earliest.isoformat()


def need_sandbox() -> None:
    if importlib.util.find_spec("qa_sandbox") is None:
        raise UsageProblem(
            "the vendor sandbox is not installed; install it with `pip install -e ./sandbox` "
            "from the project's folder (`make install` does)"
        )


@app.command(
    epilog="Example: `qa-warehouse demo --days 3`. The analyst copy and the report land in "
    "`data/` (QA_ANALYTICS_PATH); `make dev` then shows the demo's runs in the Dagster UI."
)
def demo(
    days: Annotated[int, typer.Option(min=1, max=60, help="How many past UTC days to load.")] = 7,
    verbose: Verbose = False,
) -> int:
    """Run everything against the built-in vendor sandbox: load, build, publish, summarise."""
    need_sandbox()
    from qa_sandbox.server import SandboxServer

    from pipeline.lib.receive.app import ReceiverServer
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.receiver import build_receiver
    from pipeline.runner import run_pipeline

    start, end = days_back(days)
    with SandboxServer() as server:
        # The real vendors' per-minute limits would make a local demo crawl: lift them on
        # both sides (the tests exercise the real limits).
        server.remove_rate_limits()
        server.for_demo()
        os.environ.update(server.env(unlimited=True))
        # Calls for the vendors we submit to, beside the demo's warehouse; the run then
        # waits, bounded, for their analyses.
        warehouse = WarehouseSettings().absolute().warehouse_path
        earlier = earliest_loaded_day(warehouse)
        start_partitions_at_the_demo(warehouse, start)
        day_list = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        os.environ.update(server.demo_inboxes(warehouse.parent / "demo_inbox", day_list))
        # A receiver of the demo's own, for the vendors that post their results.
        app_, journal, limits = build_receiver()
        with journal, ReceiverServer(app_, limits=limits) as receiver:
            os.environ.update(server.callback_env(receiver.url))
            typer.echo(f"Sandbox on {server.url}; loading {start} to {end}...")
            if earlier is not None and earlier < start:
                typer.echo(
                    f"The warehouse also holds days from {earlier} that earlier runs loaded; "
                    f"the totals below count them (delete {warehouse.parent} to start afresh)."
                )
            return run_and_report(
                lambda progress, level: run_pipeline(
                    start,
                    end,
                    log_level=level,
                    settle_seconds=DEMO_SETTLE_SECONDS,
                    progress=progress,
                ),
                verbose,
            )


@app.command(
    epilog="Examples: `qa-warehouse run --start 2026-03-01 --end 2026-03-07`; "
    "`qa-warehouse run --start 2026-03-23 --end 2026-03-23 --vendor kore --vendor cqa`."
)
def run(
    start: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="First UTC day, YYYY-MM-DD.")
    ],
    end: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Last UTC day (inclusive).")],
    vendor: Annotated[
        list[str] | None,
        typer.Option("--vendor", help="Only this vendor (repeatable); default: every one set up."),
    ] = None,
    verbose: Verbose = False,
) -> int:
    """Load UTC days from the configured vendors through Dagster, then build and publish."""
    from pipeline.runner import choose_vendors, run_pipeline

    if end < start:
        raise UsageProblem("--end is before --start")
    check_vendors(vendor)
    choose_vendors(vendor)
    return run_and_report(
        lambda progress, level: run_pipeline(
            start.date(), end.date(), vendor, log_level=level, progress=progress
        ),
        verbose,
    )
