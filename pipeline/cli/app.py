"""The command line's Typer apps, its exit statuses and its one-line usage errors."""

import importlib.metadata
from typing import Annotated

import typer

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="qa-warehouse",
    help=(
        "Load the QA vendors into the warehouse, and look after it.\n\n"
        "Exit status: 0 when everything asked for succeeded, 1 when a run (or part of one) "
        "failed, 2 for a usage or configuration error. Library warnings and tools' logs stay "
        "off the terminal (dbt's and Dagster's go to a log file, named at the end) unless "
        "`--verbose`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
quarantine_app = typer.Typer(
    help="What could not be used: list it, or try it again after a fix.",
    epilog="Examples: `qa-warehouse quarantine list`; `qa-warehouse quarantine replay "
    "--vendor cqa` once the cause is fixed.",
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


def check_settings_before(argv: list[str]) -> None:
    """Every setting, before the command does anything: `settings` shows them (wrong ones
    too), `sandbox` reads none, and help is help whatever the environment holds."""
    if {"-h", "--help", "--version"} & set(argv):
        return
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command not in (None, "settings", "sandbox"):
        check_settings_first()


def check_settings_first() -> None:
    """Every setting, checked before the command does anything: a wrong one is one line
    naming its variable, and exit status 2 (`ConfigError`)."""
    from pipeline.lib.vendor import check_settings
    from pipeline.vendors import VENDORS

    check_settings(VENDORS)


def check_vendors(names: list[str] | None) -> None:
    from pipeline.vendors import VENDOR_NAMES

    unknown = [name for name in names or [] if name not in VENDOR_NAMES]
    if unknown:
        raise UsageProblem(f"unknown vendor {', '.join(unknown)}; known: {', '.join(VENDOR_NAMES)}")
