"""Commands that serve: the vendor `sandbox`, the webhook `receiver`, the Dagster UI (`dev`)."""

import contextlib
import logging
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import EXIT_OK, UsageProblem, Verbose, app
from pipeline.cli.dagster_processes import Stopped, serve_dagster, stop_on_signals
from pipeline.cli.loading import (
    days_back,
    earliest_loaded_day,
    need_sandbox,
    start_partitions_at_the_demo,
)


@app.command(
    epilog="Example: `qa-warehouse sandbox --port 8765`, then in another shell the printed "
    "`export` lines and `qa-warehouse run ...`."
)
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free one).")] = 8765,
    kore_bulk_day: Annotated[
        list[str] | None,
        typer.Option(
            metavar="DAY=COUNT",
            help="Serve COUNT Kore conversations on DAY from a template (the benchmark's).",
        ),
    ] = None,
    no_rate_limits: Annotated[
        bool, typer.Option("--no-rate-limits", help="Switch every vendor's rate limit off.")
    ] = False,
) -> int:
    """Serve the simulated vendors alone, on loopback."""
    need_sandbox()
    from qa_sandbox.kore_bulk import BulkDay
    from qa_sandbox.server import SandboxServer

    bulk: list[tuple[date, int]] = []
    for spec in kore_bulk_day or []:
        day, _, count = spec.partition("=")
        try:
            bulk.append((date.fromisoformat(day), int(count)))
        except ValueError:
            raise UsageProblem(f"--kore-bulk-day {spec!r} is not DAY=COUNT") from None
    with SandboxServer(port=port) as server:
        server.for_demo()
        for day, count in bulk:
            server.kore.bulk_days[day] = BulkDay(day, count)
        if no_rate_limits:
            server.remove_rate_limits()
        typer.echo(f"vendor sandbox on {server.url}; point a vendor at it with:")
        for name, value in server.env().items():
            typer.echo(f"  export {name}={value}")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt, Stopped), stop_on_signals():
            while True:
                time.sleep(3600)
    return EXIT_OK


@app.command(
    epilog='Behind a TLS reverse proxy in production (docs/operating.md, "The webhook receiver"): '
    "`qa-warehouse receiver --host 127.0.0.1 --port 8780`."
)
def receiver(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8780,
) -> int:
    """The webhook receiver: vendors post their results to /webhooks/<vendor>."""
    from pipeline.lib.receive.app import serve
    from pipeline.receiver import build_receiver

    app_, journal, limits = build_receiver()
    # One line per request (its path, never its query: that carries the signature).
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    receiver_log = logging.getLogger("pipeline.receiver")
    receiver_log.handlers[:] = [handler]
    receiver_log.setLevel(logging.INFO)
    receiver_log.propagate = False
    typer.echo(f"webhook receiver on http://{host}:{port}/webhooks/; journal {journal.path}")
    sys.stdout.flush()
    try:
        serve(app_, host, port, limits)
    finally:
        journal.close()
    return EXIT_OK


@app.command(
    epilog="Example: `qa-warehouse dev` (what `make dev` runs), then open http://127.0.0.1:3000."
)
def dev(
    port: Annotated[int, typer.Option(help="The Dagster UI's port.")] = 3000,
    verbose: Verbose = False,
) -> int:
    """The Dagster UI on the project's instance, every vendor pointed at the built-in sandbox."""
    need_sandbox()
    from qa_sandbox.server import SandboxServer

    from pipeline.instance import dagster_home
    from pipeline.lib.receive.app import ReceiverServer
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.receiver import build_receiver

    home = dagster_home()
    if home is None:
        raise UsageProblem("set DAGSTER_HOME to the folder of the instance's dagster.yaml")
    with SandboxServer() as server:
        server.remove_rate_limits()
        server.for_demo()
        os.environ.update(server.env(unlimited=True))
        warehouse = WarehouseSettings().absolute().warehouse_path
        start, end = days_back(3)
        # From the demo's first day, or the sandbox's first if no demo ran here.
        start_partitions_at_the_demo(warehouse, earliest_loaded_day(warehouse) or start)
        day_list = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        os.environ.update(server.demo_inboxes(warehouse.parent / "demo_inbox", day_list))
        app_, journal, limits = build_receiver()
        with journal, ReceiverServer(app_, limits=limits) as receiver:
            os.environ.update(server.callback_env(receiver.url))
            os.environ["DAGSTER_HOME"] = str(home)
            log_path = warehouse.parent / "logs" / "dagster-dev.log"
            typer.echo(
                f"Sandbox on {server.url}, webhook receiver on {receiver.url}; starting the "
                f"Dagster UI on http://127.0.0.1:{port} (Ctrl-C stops everything; Dagster's "
                f"logs go to {log_path}{'' if not verbose else ' and here'})..."
            )
            sys.stdout.flush()
            workspace = Path(__file__).resolve().parents[2] / "workspace.yaml"
            code = serve_dagster(workspace, port, os.environ, log_path, verbose, _say)
    return code if code else EXIT_OK


def _say(line: str) -> None:
    typer.echo(line)
    sys.stdout.flush()
