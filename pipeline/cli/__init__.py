"""`qa-warehouse`: load the QA vendors into the warehouse, and look after it.

One module per group of commands: `loading` (demo, run), `operating` (status, resubmit,
quarantine), `analysing` (sql, report, docs, dbt), `serving` (sandbox, receiver, dev);
`app` holds the Typer apps and exit statuses, `output` what a command prints.
"""

import sys

import typer

# The command groups register their commands in the order `--help` lists them.
from pipeline.cli import loading  # noqa: F401

# isort: split
from pipeline.cli import operating  # noqa: F401

# isort: split
from pipeline.cli import analysing  # noqa: F401

# isort: split
from pipeline.cli import serving  # noqa: F401

# isort: split
from pipeline.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageProblem,
    app,
    check_settings_before,
)
from pipeline.cli.output import configure_logging, quiet_warnings


def main(argv: list[str] | None = None) -> int:
    from pipeline.lib.files import keep_private

    # What a command writes of the vendors' data is its owner's alone; what is published
    # for readers is made readable where it is written.
    keep_private()
    quiet_warnings()
    argv = sys.argv[1:] if argv is None else argv
    configure_logging(verbose=any(a in ("-v", "--verbose") for a in argv))
    from pipeline.lib.settings import ConfigError

    try:
        check_settings_before(argv)
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
    except (UsageProblem, ConfigError) as exc:
        typer.echo(f"qa-warehouse: {exc}", err=True)
        return EXIT_USAGE
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
