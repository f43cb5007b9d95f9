"""`qa-warehouse`: load the QA vendors into the warehouse, and look after it.

Exit status: 0 when everything asked for succeeded, 1 when a run (or part of one) failed, 2
for a usage or configuration error. Library warnings and tools' logs stay off the terminal
(dbt's and Dagster's go to a log file, named at the end) unless `--verbose`.
"""

import contextlib
import importlib.metadata
import importlib.util
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# How long the demo waits for the analyses of the calls it submitted.
DEMO_SETTLE_SECONDS = 60.0

app = typer.Typer(
    name="qa-warehouse",
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
quarantine_app = typer.Typer(
    help="What could not be used: list it, or try it again after a fix.",
    no_args_is_help=True,
)
app.add_typer(quarantine_app, name="quarantine")

Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show dbt's and Dagster's own logs.")
]


class UsageProblem(Exception):
    """A mistake in how the command was called or configured: one line, exit status 2."""


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qa-warehouse {importlib.metadata.version('qa-warehouse')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Load the QA vendors into the warehouse, and look after it."""


# --- quiet by default -------------------------------------------------------------------------


def _quiet_warnings() -> None:
    """Library warnings are for the project's developers, not for its users."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    from dagster import BetaWarning, PreviewWarning, SupersessionWarning

    for category in (BetaWarning, PreviewWarning, SupersessionWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", module=r"dagster(_dbt)?(\.|$)")


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is emitted: during a quiet run, the
    log file (`_tool_output`)."""

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def _logging(verbose: bool) -> None:
    """Our own notes as plain lines on standard error; libraries' to the run's log file
    (to the terminal when verbose)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("qa-warehouse: %(message)s"))
    ours = logging.getLogger("pipeline")
    ours.handlers[:] = [handler]
    ours.setLevel(logging.INFO if verbose else logging.WARNING)
    ours.propagate = False
    libraries = _CurrentStderr()
    libraries.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # The handler's level, not the root logger's: records of a logger with a level of its
    # own (Dagster's) reach the root's handlers whatever the root's level.
    libraries.setLevel(logging.INFO if verbose else logging.ERROR)
    root = logging.getLogger()
    root.handlers[:] = [libraries]
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@contextlib.contextmanager
def _tool_output(verbose: bool, log_path: Path) -> Iterator[None]:
    """dbt's per-model lines and Dagster's step logs: to the terminal when verbose, else to
    `log_path`. dbt writes colour codes only to a terminal."""
    if verbose and sys.stdout.isatty():
        yield
        return
    os.environ["DBT_USE_COLORS"] = "false"
    if verbose:
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handlers = logging.getLogger().handlers
    levels = [handler.level for handler in handlers]
    # The libraries' own lines belong in the file, in full.
    for handler in handlers:
        handler.setLevel(logging.INFO)
    try:
        with (
            log_path.open("a", encoding="utf-8") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)


def _dbt_summary(log_path: Path) -> str | None:
    """dbt's own last line of totals (`PASS=... WARN=... ERROR=... SKIP=...`), if it wrote one."""
    if not log_path.exists():
        return None
    found = re.findall(r"Done\. (PASS=\d+ WARN=\d+ ERROR=\d+ SKIP=\d+[^\n]*)", log_path.read_text())
    return found[-1].strip() if found else None


def _log_path() -> Path:
    from pipeline.lib.settings import WarehouseSettings

    warehouse = WarehouseSettings().absolute().warehouse_path
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return warehouse.parent / "logs" / f"qa-warehouse-{stamp}.log"


def _run_and_report(work, verbose: bool) -> int:  # type: ignore[no-untyped-def]
    """Run `work(progress, log_level)` (a run of the pipeline), quietly unless verbose, then
    print the failures, dbt's totals and the summary of the marts."""
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.progress import progress_for
    from pipeline.summary import marts_summary

    log_path = _log_path()
    progress = progress_for(Console(file=sys.stdout))
    try:
        with _tool_output(verbose, log_path):
            failures = work(progress, "INFO")
    finally:
        progress.close()
    if failures:
        typer.echo(f"{len(failures)} step(s) failed:", err=True)
        for failure in failures:
            typer.echo(f"  - {failure}", err=True)
    summary = _dbt_summary(log_path)
    if summary:
        typer.echo(f"dbt build: {summary}")
    if log_path.exists():
        typer.echo(f"Logs of dbt and Dagster: {log_path}")
    analytics = WarehouseSettings().absolute().analytics_path
    if analytics.exists():
        typer.echo("")
        typer.echo(marts_summary(analytics))
    return EXIT_FAILED if failures else EXIT_OK


# --- commands ---------------------------------------------------------------------------------


def _days_back(days: int) -> tuple[date, date]:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return yesterday - timedelta(days=max(days, 1) - 1), yesterday


def _need_sandbox() -> None:
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
    _need_sandbox()
    from qa_sandbox.server import SandboxServer

    from pipeline.lib.receive.app import ReceiverServer
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.receiver import build_receiver
    from pipeline.runner import run_pipeline

    start, end = _days_back(days)
    with SandboxServer() as server:
        # The real vendors' per-minute limits would make a local demo crawl: lift them on
        # both sides (the tests exercise the real limits).
        server.remove_rate_limits()
        os.environ.update(server.env(unlimited=True))
        # Calls for the vendors we submit to, beside the demo's warehouse; the run then
        # waits, bounded, for their analyses.
        warehouse = WarehouseSettings().absolute().warehouse_path
        day_list = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        os.environ.update(server.demo_inboxes(warehouse.parent / "demo_inbox", day_list))
        # A receiver of the demo's own, for the vendors that post their results.
        app_, journal, limits = build_receiver()
        with journal, ReceiverServer(app_, limits=limits) as receiver:
            os.environ.update(server.callback_env(receiver.url))
            typer.echo(f"Sandbox on {server.url}; loading {start} to {end}...")
            return _run_and_report(
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
    from pipeline.runner import run_pipeline

    if end < start:
        raise UsageProblem("--end is before --start")
    _check_vendors(vendor)
    return _run_and_report(
        lambda progress, level: run_pipeline(
            start.date(), end.date(), vendor, log_level=level, progress=progress
        ),
        verbose,
    )


def _check_vendors(names: list[str] | None) -> None:
    from pipeline.vendors import VENDOR_NAMES

    unknown = [name for name in names or [] if name not in VENDOR_NAMES]
    if unknown:
        raise UsageProblem(f"unknown vendor {', '.join(unknown)}; known: {', '.join(VENDOR_NAMES)}")


@app.command(epilog="Example: `qa-warehouse status --json | jq '.[] | select(.in_doubt > 0)'`.")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per vendor.")] = False,
) -> int:
    """Per vendor: the last day loaded, open quarantine, pending work, the next scheduled run."""
    from pipeline.build import build_defs
    from pipeline.instance import cli_instance
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.lib.vendor import enabled_vendors
    from pipeline.status import (
        StatusUnavailable,
        collect_status,
        render_json,
        render_table,
    )
    from pipeline.vendors import VENDOR_NAMES, VENDORS

    settings = WarehouseSettings().absolute()
    enabled = enabled_vendors(VENDORS)
    schedules = _schedule_states(build_defs(), cli_instance())
    try:
        statuses = collect_status(
            settings.warehouse_path,
            VENDOR_NAMES,
            enabled,
            schedules,
            journal_path=settings.webhook_journal(),
        )
    except StatusUnavailable as exc:
        typer.echo(f"qa-warehouse: {exc}", err=True)
        return EXIT_FAILED
    typer.echo(render_json(statuses) if as_json else render_table(statuses))
    return EXIT_OK


def _schedule_states(defs, instance):  # type: ignore[no-untyped-def]
    """Per vendor, its schedules and whether the instance runs them (off by default)."""
    from dagster import DefaultScheduleStatus

    from pipeline.status import Schedule
    from pipeline.vendors import VENDORS

    # The instance's own words: RUNNING, STOPPED, or DECLARED_IN_CODE (the code's default).
    states = {
        state.instigator_name: state.status.value
        for state in instance.all_instigator_state()
        if state.instigator_type.value == "SCHEDULE"
    }
    result: dict[str, list[Schedule]] = {}
    for vendor in VENDORS:
        for schedule in defs.schedules or []:
            if schedule.job_name not in (vendor.daily_job, vendor.once_job):
                continue
            if not isinstance(schedule.cron_schedule, str):
                continue
            state = states.get(schedule.name)
            running = (
                state == "RUNNING"
                if state in ("RUNNING", "STOPPED")
                else schedule.default_status == DefaultScheduleStatus.RUNNING
            )
            result.setdefault(vendor.name, []).append(
                Schedule(schedule.name, schedule.cron_schedule, running)
            )
    return result


@app.command(
    epilog="Check at the vendor first that it does not have the submission, then: "
    "`qa-warehouse resubmit --vendor voxxi --key vx-3f2a...`."
)
def resubmit(
    vendor: Annotated[str, typer.Option(help="The vendor of the submissions.")],
    key: Annotated[
        str | None, typer.Option(help="Only this submission key (default: all in doubt).")
    ] = None,
) -> int:
    """Send in-doubt submissions again on the next run."""
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.lib.submit import ledger
    from pipeline.lib.warehouse import connect, exclusive

    _check_vendors([vendor])
    settings = WarehouseSettings().absolute()
    lock = exclusive(str(settings.warehouse_path), settings.warehouse_lock_timeout_seconds)
    with lock, connect(settings.warehouse_path) as conn:
        ledger.ensure_ledger(conn)
        keys = ledger.release_in_doubt(conn, vendor, key)
    if not keys:
        which = f"with key {key!r}" if key else "at all"
        raise UsageProblem(f"{vendor} has no submission in doubt {which}")
    typer.echo(f"{vendor}: {len(keys)} submission(s) will be sent again by the next run:")
    for item in keys:
        typer.echo(f"  {item}")
    return EXIT_OK


@quarantine_app.command("list", epilog="Example: `qa-warehouse quarantine list --vendor cqa`.")
def quarantine_list(
    vendor: Annotated[str | None, typer.Option(help="Only this vendor.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Resolved items too.")] = False,
) -> int:
    """Open items, one line each (with --all, the resolved ones too, and how each was settled)."""
    from pipeline import quarantine
    from pipeline.lib.settings import WarehouseSettings

    _check_vendors([vendor] if vendor else None)
    settings = WarehouseSettings().absolute()
    rows = quarantine.items(settings.warehouse_path, vendor, include_resolved=all_)
    typer.echo(quarantine.describe(rows))
    return EXIT_OK


@quarantine_app.command("replay")
def quarantine_replay(
    vendor: Annotated[str | None, typer.Option(help="Only this vendor.")] = None,
    verbose: Verbose = False,
) -> int:
    """Pull the days of open items again and re-check refused inbox rows."""
    from pipeline import quarantine
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.runner import run_plans
    from pipeline.vendors import VENDORS

    _check_vendors([vendor] if vendor else None)
    settings = WarehouseSettings().absolute()
    rows = quarantine.items(settings.warehouse_path, vendor)
    plans = quarantine.replay_plans(rows, VENDORS)
    if not plans:
        typer.echo("nothing in quarantine to replay")
        return EXIT_OK
    for plan in plans:
        days = ", ".join(d.isoformat() for d in plan.days) or "no day"
        typer.echo(
            f"{plan.vendor.name}: pulling {days} again" + (" and its inbox" if plan.once else "")
        )
    code = _run_and_report(
        lambda progress, level: run_plans(plans, log_level=level, progress=progress), verbose
    )
    still_open = quarantine.items(settings.warehouse_path, vendor)
    typer.echo(f"{len(rows) - len(still_open)} settled, {len(still_open)} still open")
    return code


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
    _need_sandbox()
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
        for day, count in bulk:
            server.kore.bulk_days[day] = BulkDay(day, count)
        if no_rate_limits:
            server.remove_rate_limits()
        typer.echo(f"vendor sandbox on {server.url}; point a vendor at it with:")
        for name, value in server.env().items():
            typer.echo(f"  export {name}={value}")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return EXIT_OK


@app.command(
    epilog='Behind a TLS reverse proxy in production (README, "The webhook receiver"): '
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
    epilog="Example: `qa-warehouse report --output /srv/share/qa-scorecard.html`; the publish "
    "step writes it beside the analyst copy after every build."
)
def report(
    output: Annotated[
        Path | None,
        typer.Option(help="Where to write it (default: scorecard.html beside the analyst copy)."),
    ] = None,
) -> int:
    """Write the scorecard report (one HTML page, no network needed) from the analyst copy."""
    from pipeline.lib.publish.report import default_report_path, write_report
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.vendors import VENDORS

    analytics = WarehouseSettings().absolute().analytics_path
    if not analytics.exists():
        raise UsageProblem(f"no analyst copy at {analytics}: run `qa-warehouse run` first")
    palette = {vendor.name: vendor.colour for vendor in VENDORS}
    path = write_report(analytics, output or default_report_path(analytics), palette)
    typer.echo(f"report: {path}")
    return EXIT_OK


@app.command(
    epilog='Examples: `qa-warehouse sql "select * from marts.dim_agent"`; '
    '`qa-warehouse sql --csv "select * from marts.agent_daily_scorecard" > scores.csv`.'
)
def sql(
    query: Annotated[str, typer.Argument(help="One SQL statement, run read-only.")],
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per row.")] = False,
) -> int:
    """Query the analyst copy (read-only), as an analyst would."""
    import csv
    import json

    import duckdb

    from pipeline.lib.settings import WarehouseSettings

    analytics = WarehouseSettings().absolute().analytics_path
    if not analytics.exists():
        raise UsageProblem(f"no analyst copy at {analytics}: run `qa-warehouse run` first")
    with duckdb.connect(str(analytics), read_only=True) as conn:
        try:
            relation = conn.sql(query)
        except duckdb.Error as exc:
            raise UsageProblem(str(exc).splitlines()[0]) from None
        if relation is None:
            return EXIT_OK
        columns, rows = relation.columns, relation.fetchall()
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif as_json:
        for row in rows:
            typer.echo(json.dumps(dict(zip(columns, row, strict=True)), default=str))
    else:
        from rich.table import Table

        table = Table(*columns, show_edge=False, header_style="bold")
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console(file=sys.stdout).print(table)
    return EXIT_OK


@app.command(
    epilog="Example: `qa-warehouse dev` (what `make dev` runs), then open http://127.0.0.1:3000."
)
def dev(
    port: Annotated[int, typer.Option(help="The Dagster UI's port.")] = 3000,
) -> int:
    """The Dagster UI on the project's instance, every vendor pointed at the built-in sandbox."""
    _need_sandbox()
    import subprocess

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
        os.environ.update(server.env(unlimited=True))
        warehouse = WarehouseSettings().absolute().warehouse_path
        start, end = _days_back(3)
        day_list = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        os.environ.update(server.demo_inboxes(warehouse.parent / "demo_inbox", day_list))
        app_, journal, limits = build_receiver()
        with journal, ReceiverServer(app_, limits=limits) as receiver:
            os.environ.update(server.callback_env(receiver.url))
            os.environ["DAGSTER_HOME"] = str(home)
            typer.echo(
                f"Sandbox on {server.url}, webhook receiver on {receiver.url}; "
                f"the Dagster UI on http://127.0.0.1:{port} (Ctrl-C stops everything)."
            )
            sys.stdout.flush()
            workspace = Path(__file__).resolve().parents[1] / "workspace.yaml"
            command = [
                str(Path(sys.executable).with_name("dagster")),
                "dev",
                "-w",
                str(workspace),
                "--port",
                str(port),
            ]
            with contextlib.suppress(KeyboardInterrupt):
                subprocess.run(command, check=False)
    return EXIT_OK


@app.command(epilog="Example: `qa-warehouse docs`, then open data/docs/index.html.")
def docs() -> int:
    """Build dbt's documentation site (models, columns, tests, lineage) beside the analyst
    copy, as one static page."""
    import shutil
    import subprocess

    from pipeline.lib.dbt import dbt_command, dbt_project
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.lib.vendor import dbt_vars
    from pipeline.lib.warehouse import exclusive
    from pipeline.vendors import VENDORS

    settings = WarehouseSettings().absolute()
    if not settings.warehouse_path.exists():
        raise UsageProblem(
            f"no warehouse at {settings.warehouse_path}: run `qa-warehouse run` first"
        )
    target = Path(dbt_project.project_dir) / dbt_project.target_path / "docs"
    # dbt reads the warehouse's catalog: it waits its turn like every other reader.
    with exclusive(str(settings.warehouse_path), settings.warehouse_lock_timeout_seconds):
        result = subprocess.run(
            dbt_command(
                "docs", "generate", "--static", "--quiet", target=target, dbt_vars=dbt_vars(VENDORS)
            ),
            env={**os.environ, "QA_WAREHOUSE_PATH": str(settings.warehouse_path)},
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        typer.echo(result.stdout[-2000:] + result.stderr[-2000:], err=True)
        return EXIT_FAILED
    site = settings.analytics_path.parent / "docs" / "index.html"
    site.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target / "static_index.html", site)
    typer.echo(f"dbt documentation: {site}")
    return EXIT_OK


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    epilog=(
        "Examples: `qa-warehouse dbt build --select fct_evaluation`; "
        "`qa-warehouse dbt build --vars '{using_kore: false}'` (a vendor switched off); "
        "`qa-warehouse dbt build --full-refresh --select fct_interaction`."
    ),
)
def dbt(context: typer.Context) -> int:
    """Run dbt by hand on the warehouse (`QA_WAREHOUSE_PATH`), as the pipeline runs it: the
    project's folders, the vendors of the registry (a `--vars` given is merged in), and the
    warehouse's lock, so a run and a hand-made build take turns."""
    import subprocess

    from pipeline.lib.dbt import dbt_command, dbt_project
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.lib.vendor import dbt_vars
    from pipeline.lib.warehouse import exclusive
    from pipeline.vendors import VENDORS

    if not context.args:
        raise UsageProblem("give a dbt command, e.g. `qa-warehouse dbt build`")
    settings = WarehouseSettings().absolute()
    target = Path(dbt_project.project_dir) / dbt_project.target_path / "by-hand"
    try:
        command = dbt_command(*context.args, target=target, dbt_vars=dbt_vars(VENDORS))
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    with exclusive(str(settings.warehouse_path), settings.warehouse_lock_timeout_seconds):
        done = subprocess.run(
            command, env={**os.environ, "QA_WAREHOUSE_PATH": str(settings.warehouse_path)}
        )
    return EXIT_OK if done.returncode == 0 else EXIT_FAILED


# --- entry point ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from pipeline.lib.files import keep_private

    # What a command writes of the vendors' data is its owner's alone; what is published
    # for readers is made readable where it is written.
    keep_private()
    _quiet_warnings()
    argv = sys.argv[1:] if argv is None else argv
    _logging(verbose=any(a in ("-v", "--verbose") for a in argv))
    from pipeline.lib.vendor import VendorConfigError

    try:
        code = app(args=argv, prog_name="qa-warehouse", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("qa-warehouse: stopped", err=True)
        return EXIT_FAILED
    except typer.TyperException as exc:
        # click's usage errors (typer's own copy of click): its message, then status 2.
        exc.show(file=sys.stderr)  # type: ignore[attr-defined]
        return EXIT_USAGE
    except (UsageProblem, VendorConfigError) as exc:
        typer.echo(f"qa-warehouse: {exc}", err=True)
        return EXIT_USAGE
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
