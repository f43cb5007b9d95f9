"""`qa-warehouse`: demo, run, status, quarantine, resubmit, sandbox and receiver."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

from pipeline.lib.vendor import VendorConfigError
from pipeline.vendors import VENDOR_NAMES

# How long the demo waits for the analyses of the calls it submitted.
DEMO_SETTLE_SECONDS = 60.0


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a YYYY-MM-DD date") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa-warehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run everything against the built-in sandbox")
    demo.add_argument("--days", type=int, default=7, help="how many past UTC days to load")

    run = commands.add_parser("run", help="load UTC days from the configured vendors")
    run.add_argument("--start", type=_day, required=True, help="first day, YYYY-MM-DD")
    run.add_argument("--end", type=_day, required=True, help="last day (inclusive), YYYY-MM-DD")
    run.add_argument("--vendor", action="append", choices=VENDOR_NAMES, help="only this vendor")

    commands.add_parser("status", help="per vendor: last window, rows, quarantine, pending work")

    resubmit = commands.add_parser(
        "resubmit",
        help="send in-doubt submissions again on the next run (check the vendor first)",
    )
    resubmit.add_argument("--vendor", required=True, choices=VENDOR_NAMES)
    resubmit.add_argument("--key", help="only this submission key (default: all in doubt)")

    quarantine = commands.add_parser(
        "quarantine", help="what could not be used: list it, or retry it after a fix"
    )
    actions = quarantine.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="open items (with --all, resolved ones too)")
    listing.add_argument("--vendor", choices=VENDOR_NAMES)
    listing.add_argument("--all", action="store_true", help="resolved items too")
    replay = actions.add_parser(
        "replay", help="pull the days of open items again and re-check inbox rows"
    )
    replay.add_argument("--vendor", choices=VENDOR_NAMES)

    sandbox = commands.add_parser("sandbox", help="serve the vendor sandbox alone")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument(
        "--kore-bulk-day",
        action="append",
        default=[],
        metavar="DAY=COUNT",
        help="serve COUNT Kore conversations on DAY from a template (the benchmark's windows)",
    )
    sandbox.add_argument(
        "--no-rate-limits", action="store_true", help="switch every vendor's rate limit off"
    )

    receiver = commands.add_parser(
        "receiver", help="the webhook receiver: vendors post their results to /webhooks/<vendor>"
    )
    receiver.add_argument("--host", default="127.0.0.1", help="address to listen on")
    receiver.add_argument("--port", type=int, default=8780)

    for sub in (demo, run):
        sub.add_argument("--verbose", action="store_true", help="show Dagster's step logs")
    return parser


def _report(failures: list, analytics_path: str) -> int:
    from pipeline.summary import marts_summary

    if failures:
        print("qa-warehouse: some work failed:", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
    if os.path.exists(analytics_path):
        print(marts_summary(analytics_path))
    return 1 if failures else 0


def _resubmit(vendor: str, key: str | None) -> int:
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.lib.submit import ledger
    from pipeline.lib.warehouse import connect, exclusive

    settings = WarehouseSettings().absolute()
    lock = exclusive(str(settings.warehouse_path), settings.warehouse_lock_timeout_seconds)
    with lock, connect(settings.warehouse_path) as conn:
        ledger.ensure_ledger(conn)
        keys = ledger.release_in_doubt(conn, vendor, key)
    if not keys:
        which = f"with key {key!r}" if key else "at all"
        print(f"qa-warehouse: {vendor} has no submission in doubt {which}", file=sys.stderr)
        return 2
    print(f"{vendor}: {len(keys)} submission(s) will be sent again by the next run:")
    for item in keys:
        print(f"  {item}")
    return 0


def _quarantine(args: argparse.Namespace) -> int:
    from pipeline import quarantine
    from pipeline.lib.settings import WarehouseSettings
    from pipeline.runner import run_plans
    from pipeline.vendors import VENDORS

    settings = WarehouseSettings().absolute()
    if args.action == "list":
        rows = quarantine.items(settings.warehouse_path, args.vendor, include_resolved=args.all)
        print(quarantine.describe(rows))
        return 0
    rows = quarantine.items(settings.warehouse_path, args.vendor)
    plans = quarantine.replay_plans(rows, VENDORS)
    if not plans:
        print("nothing in quarantine to replay")
        return 0
    for plan in plans:
        days = ", ".join(d.isoformat() for d in plan.days) or "no day"
        print(f"{plan.vendor.name}: pulling {days} again" + (" and its inbox" if plan.once else ""))
    try:
        failures = run_plans(plans)
    except VendorConfigError as exc:
        print(f"qa-warehouse: {exc}", file=sys.stderr)
        return 2
    still_open = quarantine.items(settings.warehouse_path, args.vendor)
    print(f"{len(rows) - len(still_open)} settled, {len(still_open)} still open")
    return _report(failures, str(settings.analytics_path))


def _receiver(host: str, port: int) -> int:
    from pipeline.lib.receive.app import serve
    from pipeline.receiver import build_receiver

    try:
        app, journal = build_receiver()
    except VendorConfigError as exc:
        print(f"qa-warehouse: {exc}", file=sys.stderr)
        return 2
    # One line per request (its path, never its query: that carries the signature).
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    receiver_log = logging.getLogger("pipeline.receiver")
    receiver_log.addHandler(handler)
    receiver_log.setLevel(logging.INFO)
    receiver_log.propagate = False
    print(f"webhook receiver on http://{host}:{port}/webhooks/; journal {journal.path}", flush=True)
    try:
        serve(app, host, port)
    finally:
        journal.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pipeline").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    if args.command == "receiver":
        return _receiver(args.host, args.port)

    if args.command in ("sandbox", "demo") and importlib.util.find_spec("qa_sandbox") is None:
        print(
            "qa-warehouse: the vendor sandbox is not installed; install it with "
            "`pip install -e ./sandbox` from the project's folder (`make install` does)",
            file=sys.stderr,
        )
        return 2

    if args.command == "sandbox":
        from qa_sandbox.kore_bulk import BulkDay
        from qa_sandbox.server import SandboxServer

        with SandboxServer(port=args.port) as server:
            for spec in args.kore_bulk_day:
                day, _, count = spec.partition("=")
                server.kore.bulk_days[_day(day)] = BulkDay(_day(day), int(count))
            if args.no_rate_limits:
                server.remove_rate_limits()
            print(f"vendor sandbox on {server.url}; point a vendor at it with:", flush=True)
            for name, value in server.env().items():
                print(f"  export {name}={value}", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0

    from pipeline.lib.settings import WarehouseSettings
    from pipeline.runner import run_pipeline

    if args.command == "status":
        from pipeline.build import build_defs
        from pipeline.lib.vendor import enabled_vendors
        from pipeline.status import vendor_status
        from pipeline.vendors import VENDORS

        defs = build_defs()
        crons = {
            vendor.name: schedule.cron_schedule
            for vendor in VENDORS
            for schedule in defs.schedules or []
            if schedule.job_name == vendor.daily_job and isinstance(schedule.cron_schedule, str)
        }
        settings = WarehouseSettings().absolute()
        print(
            vendor_status(
                settings.warehouse_path,
                crons,
                VENDOR_NAMES,
                enabled_vendors(VENDORS),
                journal_path=settings.webhook_journal(),
            )
        )
        return 0

    if args.command == "resubmit":
        return _resubmit(args.vendor, args.key)

    if args.command == "quarantine":
        return _quarantine(args)

    level = "INFO" if verbose else "WARNING"
    try:
        if args.command == "demo":
            from qa_sandbox.server import SandboxServer

            yesterday = datetime.now(UTC).date() - timedelta(days=1)
            start = yesterday - timedelta(days=max(args.days, 1) - 1)
            from pipeline.lib.receive.app import ReceiverServer
            from pipeline.receiver import build_receiver

            with SandboxServer() as server:
                # The real vendors' per-minute limits would make a local demo crawl: lift them
                # on both sides (the tests exercise the real limits).
                server.remove_rate_limits()
                os.environ.update(server.env(unlimited=True))
                # Calls for the vendors we submit to, beside the demo's warehouse; the run
                # then waits, bounded, for their analyses.
                warehouse = WarehouseSettings().absolute().warehouse_path
                days = [start + timedelta(days=n) for n in range((yesterday - start).days + 1)]
                os.environ.update(server.demo_inboxes(warehouse.parent / "demo_inbox", days))
                # A receiver of the demo's own, for the vendors that post their results.
                app, journal = build_receiver()
                with journal, ReceiverServer(app) as receiver:
                    os.environ.update(server.callback_env(receiver.url))
                    print(f"Sandbox on {server.url}; loading {start} to {yesterday}...")
                    failures = run_pipeline(
                        start, yesterday, log_level=level, settle_seconds=DEMO_SETTLE_SECONDS
                    )
        else:
            if args.end < args.start:
                print("qa-warehouse: --end is before --start", file=sys.stderr)
                return 2
            failures = run_pipeline(args.start, args.end, args.vendor, log_level=level)
    except VendorConfigError as exc:
        print(f"qa-warehouse: {exc}", file=sys.stderr)
        return 2
    analytics = WarehouseSettings().absolute().analytics_path
    return _report(failures, str(analytics))


if __name__ == "__main__":
    sys.exit(main())
