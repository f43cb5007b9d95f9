"""Commands that look after the warehouse: `status`, `resubmit`, `quarantine`, `settings`."""

import os
from typing import Annotated

import typer

from pipeline.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    UsageProblem,
    Verbose,
    app,
    check_vendors,
    quarantine_app,
)
from pipeline.cli.output import run_and_report


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

    check_vendors([vendor])
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

    check_vendors([vendor] if vendor else None)
    settings = WarehouseSettings().absolute()
    rows = quarantine.items(settings.warehouse_path, vendor, include_resolved=all_)
    typer.echo(quarantine.describe(rows))
    return EXIT_OK


@quarantine_app.command(
    "replay",
    epilog="After fixing what put them there (a setting, a mapping, a vendor outage): "
    "`qa-warehouse quarantine replay --vendor kore`.",
)
def quarantine_replay(
    vendor: Annotated[str | None, typer.Option(help="Only this vendor.")] = None,
    verbose: Verbose = False,
) -> int:
    """Pull the days of open items again and re-check refused inbox rows."""
    from pipeline import quarantine
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.runner import run_plans
    from pipeline.vendors import VENDORS

    check_vendors([vendor] if vendor else None)
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
    code = run_and_report(
        lambda progress, level: run_plans(plans, log_level=level, progress=progress), verbose
    )
    still_open = quarantine.items(settings.warehouse_path, vendor)
    typer.echo(f"{len(rows) - len(still_open)} settled, {len(still_open)} still open")
    return code


@app.command(
    epilog="Example: `qa-warehouse settings --markdown > settings.md`, for a wiki.",
)
def settings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="The reference as Markdown, one table per vendor.")
    ] = False,
) -> int:
    """Every environment variable the warehouse reads: its default, what it means, and its
    value where this environment sets one (a secret's masked)."""
    from pipeline.lib import settings_reference
    from pipeline.vendors import VENDORS

    found = settings_reference.groups(VENDORS)
    if markdown:
        typer.echo(settings_reference.markdown(found), nl=False)
    else:
        typer.echo(settings_reference.text(found, os.environ), nl=False)
    return EXIT_OK
