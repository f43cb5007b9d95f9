"""Commands for what the warehouse holds: `sql`, `report`, `docs`, and `dbt` by hand."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.cli.app import EXIT_FAILED, EXIT_OK, UsageProblem, app


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
        # A pipe or a file has no width: rows stay whole there, never cut to 80 columns.
        piped = not sys.stdout.isatty()
        Console(file=sys.stdout, width=100_000 if piped else None).print(table)
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
