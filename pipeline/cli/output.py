"""What a command prints: quiet by default (libraries' warnings off, dbt's and Dagster's logs
to a file), progress while a run works, then its failures and a summary."""

import contextlib
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from pipeline.cli.app import EXIT_FAILED, EXIT_OK


def quiet_warnings() -> None:
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


def configure_logging(verbose: bool) -> None:
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


def run_and_report(work, verbose: bool) -> int:  # type: ignore[no-untyped-def]
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
