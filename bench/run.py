"""`make bench`: how fast and how lean qa-warehouse lands and builds, side by side with a floor.

For each window size (Kore-like records of about 2.5 KB: eight metrics, two agents), three
measurements run interleaved, each in its own process so that its peak RSS is its own:

- ours: the Kore asset's code path without Dagster start-up (KoreClient paging the loopback
  sandbox, `land_window` spooling and committing into a fresh warehouse);
- floor: DuckDB alone reading the same records from NDJSON (`read_json_objects`) into a table;
- sandbox: the same pages fetched with httpx and thrown away, to show the sandbox is not what
  limits "ours". The sandbox renders every page of a bench day before the first round
  (`BulkDay.prerender`), so serving a page is a lookup and its HTTP is all it costs.

Then, on the warehouse each size landed: `dbt build` against the same SQL run by hand
(alternating, `--rounds` times each, on fresh copies of that warehouse), and the
cost of one new day (landing + dbt build) after 7 and after 365 days of history. Medians and
ratios are printed as one table and written to bench/results/.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FIRST_DAY = date(2026, 3, 1)
HISTORY_PER_DAY = 1000
PAGE_SIZE = 100

TARGETS = {
    "landing_vs_floor_min": 0.6,
    "rss_growth_100k_to_1m_max": 1.2,
    "dbt_vs_hand_max": 1.3,
    "new_day_365_vs_7_max": 1.5,
}


# --- children: each measurement in a process of its own -----------------------------------


def _peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not getrusage's ru_maxrss: Linux carries the
    parent's peak over a fork into the child's, and the parent holds the sandbox's pages."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status: peak RSS needs Linux")


def _cpu_seconds() -> float:
    """CPU time (user and system, every thread, and any process it waited for) of this
    process so far."""
    own, waited = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime


def _kore_client(env: dict[str, str]):
    from pipeline.kore.client import KoreClient
    from pipeline.kore.resources import KoreResource

    return KoreClient(
        KoreResource(
            base_url=env["KORE_BASE_URL"],
            stream_id=env["KORE_STREAM_ID"],
            account_id=env["KORE_ACCOUNT_ID"],
            org_id=env["KORE_ORG_ID"],
            client_id=env["KORE_CLIENT_ID"],
            client_secret=env["KORE_CLIENT_SECRET"],
            page_size=PAGE_SIZE,
            max_pages=10**6,
            requests_per_minute=10**9,
        )
    )


@contextmanager
def _warehouse(path: str) -> Iterator[Any]:
    from pipeline.lib.warehouse import connect

    with connect(path) as conn:
        yield conn


def land_days(env: dict[str, str], db: str, days: list[date], run_id: str) -> dict[str, float]:
    """The Kore asset's work for each day, in this process."""
    from pipeline.kore.assets import RAWDATA
    from pipeline.lib.pull.land import land_window
    from pipeline.lib.windows import Window

    client = _kore_client(env)
    spool = Path(db).with_name(Path(db).name + ".spool")
    records = 0
    cpu = _cpu_seconds()
    started = time.perf_counter()
    for day in days:
        window = Window.for_day(day)
        load = land_window(
            lambda: _warehouse(db),
            RAWDATA,
            window,
            run_id,
            lambda on_bad, window=window: client.iter_pages(window, on_bad),
            client.http,
            spool,
        )
        records += load.records
    return {
        "records": records,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu,
    }


def child_ours(env: dict[str, str], day: str, db: str) -> dict[str, float]:
    result = land_days(env, db, [date.fromisoformat(day)], "bench")
    return {**result, "peak_rss_mb": _peak_rss_mb()}


def child_floor(ndjson: str, db: str) -> dict[str, float]:
    import duckdb

    cpu = _cpu_seconds()
    started = time.perf_counter()
    with duckdb.connect(db) as conn:
        conn.execute(
            "create table records as select json as record "
            f"from read_json_objects('{ndjson}', format = 'newline_delimited')"
        )
        (records,) = conn.execute("select count(*) from records").fetchone()
        conn.execute("checkpoint")
    return {
        "records": records,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu,
        "peak_rss_mb": _peak_rss_mb(),
    }


def child_sandbox(env: dict[str, str], day: str) -> dict[str, float]:
    """The sandbox alone: the same requests, bodies read and dropped."""
    import httpx

    from pipeline.kore.client import mint_jwt
    from pipeline.lib.windows import Window

    client = _kore_client(env)
    window = Window.for_day(date.fromisoformat(day))
    headers = {
        "auth": mint_jwt(env["KORE_CLIENT_ID"], env["KORE_CLIENT_SECRET"]),
        "accountId": env["KORE_ACCOUNT_ID"],
        "orgId": env["KORE_ORG_ID"],
    }
    url = f"{env['KORE_BASE_URL']}/{client.path}"
    records = 0
    cpu = _cpu_seconds()
    started = time.perf_counter()
    page = 1
    with httpx.Client(headers=headers) as http:
        while True:
            body = http.post(url, json=client.request_body(window, page)).content
            # The envelope's tail says whether more pages follow; no need to parse the records.
            records += body.count(b'"Conversation ID"')
            if b'"hasMore": true' not in body[-200:]:
                break
            page += 1
    return {
        "records": records,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu,
    }


def child_dlt(env: dict[str, str], day: str, db: str, best: bool) -> dict[str, float]:
    """dlt's `rest_api` source on the same window into DuckDB: defaults, or its best
    configuration (parquet load files, no nesting). Only with `pip install .[bench]`."""
    import dlt
    from dlt.sources.rest_api import rest_api_source

    from pipeline.kore.client import mint_jwt
    from pipeline.lib.windows import Window

    client = _kore_client(env)
    body = client.request_body(Window.for_day(date.fromisoformat(day)), 1)
    body.pop("page")
    source = rest_api_source(
        {
            "client": {
                "base_url": env["KORE_BASE_URL"] + "/",
                "headers": {
                    "auth": mint_jwt(env["KORE_CLIENT_ID"], env["KORE_CLIENT_SECRET"]),
                    "accountId": env["KORE_ACCOUNT_ID"],
                    "orgId": env["KORE_ORG_ID"],
                },
            },
            "resources": [
                {
                    "name": "rawdata",
                    "endpoint": {
                        "path": client.path,
                        "method": "POST",
                        "json": body,
                        "data_selector": "results",
                        "paginator": {
                            "type": "page_number",
                            "page_body_path": "page",
                            "base_page": 1,
                            "total_path": "totalPages",
                        },
                    },
                }
            ],
        },
        max_table_nesting=0 if best else None,
    )
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{Path(db).stem}",
        destination=dlt.destinations.duckdb(db),
        dataset_name="raw",
        pipelines_dir=str(Path(db).parent / "dlt"),
    )
    cpu = _cpu_seconds()
    started = time.perf_counter()
    pipeline.run(source, loader_file_format="parquet" if best else None)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    import duckdb

    with duckdb.connect(db, read_only=True) as conn:
        (records,) = conn.execute("select count(*) from raw.rawdata").fetchone()
    return {
        "records": records,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _child(kind: str, *args: str) -> dict[str, float]:
    # Every measurement starts with the disk quiet: the gigabytes the one before wrote (a
    # 1,000,000-record warehouse, the floor's table) would otherwise still be flushing while
    # the next one writes its own, and slow whichever measurement happens to come next.
    os.sync()
    command = [sys.executable, __file__, "--child", kind, *args]
    # This process only serves the sandbox while a child runs: its CPU time meanwhile is the
    # sandbox's share of the child's work.
    serving = time.process_time()
    done = subprocess.run(command, capture_output=True, text=True)
    serving = time.process_time() - serving
    if done.returncode != 0:
        raise RuntimeError(f"bench child {kind} failed:\n{done.stderr[-4000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "sandbox_cpu_seconds": serving}


# --- dbt: the project's build against its own compiled SQL run by hand ----------------------


def _dbt(db: Path, *args: str) -> float:
    """dbt as a user runs it (`qa-warehouse dbt`: the registry's vendors given); its target
    directory beside the warehouse, not the project's."""
    from pipeline.lib.dbt import dbt_command
    from pipeline.lib.vendor import dbt_vars
    from pipeline.vendors import VENDORS

    env = {**_base_env(), "QA_WAREHOUSE_PATH": str(db)}
    started = time.perf_counter()
    subprocess.run(
        [*dbt_command(*args, target=db.parent / "target", dbt_vars=dbt_vars(VENDORS)), "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return time.perf_counter() - started


def _base_env() -> dict[str, str]:
    return dict(os.environ)


def _ensure_raw_tables(db: Path) -> None:
    from pipeline.lib.raw_schema import ensure_raw_schema
    from pipeline.lib.submit.ledger import ensure_ledger
    from pipeline.lib.warehouse import connect
    from pipeline.vendors import VENDORS

    with connect(db) as conn:
        ensure_raw_schema(conn, [e for vendor in VENDORS for e in vendor.endpoints])
        ensure_ledger(conn)


def hand_sql(db: Path) -> float:
    """The SQL `dbt build` ran (seeds, models and snapshots in dependency order, data tests),
    run directly in DuckDB, timed. Needs the compiled manifest of a build that just ran."""
    import duckdb

    manifest = json.loads((db.parent / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    order: list[str] = []
    seen: set[str] = set()

    def visit(unique_id: str) -> None:
        if unique_id in seen or unique_id not in nodes:
            return
        seen.add(unique_id)
        for parent in nodes[unique_id]["depends_on"].get("nodes", []):
            visit(parent)
        order.append(unique_id)

    for unique_id in sorted(nodes):
        visit(unique_id)
    started = time.perf_counter()
    with duckdb.connect(str(db)) as conn:
        for unique_id in order:
            node = nodes[unique_id]
            kind = node["resource_type"]
            relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
            if kind == "seed":
                conn.execute(f'create schema if not exists "{node["schema"]}"')
                seed = ROOT / "dbt_project" / node["original_file_path"]
                conn.execute(
                    f"create or replace table {relation} as "
                    f"select * from read_csv('{seed}', all_varchar = true)"
                )
            elif kind == "model":
                conn.execute(f'create schema if not exists "{node["schema"]}"')
                materialized = node["config"]["materialized"]
                what = "view" if materialized == "view" else "table"
                _hooks(conn, node, "pre-hook")
                conn.execute(f"create or replace {what} {relation} as {node['compiled_code']}")
                _hooks(conn, node, "post-hook")
            elif kind == "snapshot":
                # A first snapshot: every row of its relation, valid from now.
                conn.execute(f'create schema if not exists "{node["schema"]}"')
                conn.execute(
                    f"create or replace table {relation} as select *, "
                    "md5(random()::varchar) as dbt_scd_id, now()::timestamp as dbt_updated_at, "
                    "now()::timestamp as dbt_valid_from, null::timestamp as dbt_valid_to "
                    f"from ({node['compiled_code']})"
                )
            elif kind == "test" and node.get("compiled_code"):
                conn.execute(f"select count(*) from ({node['compiled_code']})").fetchall()
    return time.perf_counter() - started


def _hooks(conn: Any, node: dict[str, Any], which: str) -> None:
    """A model's hooks of plain SQL (a setting for its build). The Jinja ones are the
    incremental models' deletes and the facts' updates, which render to nothing on a first
    build like this one."""
    for hook in node["config"].get(which, []):
        if "{{" not in hook["sql"] and "{%" not in hook["sql"]:
            conn.execute(hook["sql"])


def dbt_versus_hand(landed: Path, work: Path, rounds: int) -> list[dict[str, float]]:
    """`rounds` builds by dbt and by hand, alternating, each on a fresh copy of the landed
    warehouse (a build changes it: the incremental facts would not start from nothing)."""
    by_dbt = work / "dbt" / landed.name
    by_hand = work / "hand" / landed.name  # same file name: compiled SQL names its catalog
    for target in (by_dbt, by_hand):
        target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(landed, by_dbt)
    # dbt as it runs every day after the first: its project already parsed for this
    # warehouse (partial parsing). Parsing is the project's cost, not the data's.
    _dbt(by_dbt, "parse")
    results = []
    for _ in range(rounds):
        for target in (by_dbt, by_hand):
            # A WAL left beside the copy would be replayed onto it.
            target.with_name(target.name + ".wal").unlink(missing_ok=True)
            shutil.copy(landed, target)
        os.sync()  # the copies are flushed before either is timed
        dbt_seconds = _dbt(by_dbt, "build", "--exclude-resource-type", "unit_test")
        # The compiled SQL of the dbt run, read from its target directory.
        shutil.rmtree(by_hand.parent / "target", ignore_errors=True)
        shutil.copytree(by_dbt.parent / "target", by_hand.parent / "target")
        os.sync()
        hand_seconds = hand_sql(by_hand)
        results.append(
            {
                "dbt_seconds": dbt_seconds,
                "hand_seconds": hand_seconds,
                **dbt_time_split(by_dbt.parent / "target" / "run_results.json"),
            }
        )
    return results


# The kinds of node a build runs, in the order the report names them.
NODE_KINDS = ("model", "test", "snapshot", "seed")


def dbt_time_split(run_results: Path) -> dict[str, float]:
    """Where a build's time went, from its `run_results.json`: the seconds dbt spent running
    its nodes (`elapsed_time`), each kind's own execution time and count. What is left of the
    build's wall time is dbt starting and finishing (imports, the manifest, the artifacts)."""
    results = json.loads(run_results.read_text())
    split: dict[str, float] = {"dbt_nodes_seconds": float(results["elapsed_time"])}
    for kind in NODE_KINDS:
        nodes = [r for r in results["results"] if r["unique_id"].split(".")[0] == kind]
        split[f"dbt_{kind}_count"] = len(nodes)
        split[f"dbt_{kind}_seconds"] = sum(float(r["execution_time"]) for r in nodes)
    return split


# --- one new day after a week and after a year ---------------------------------------------


def build_history(env: dict[str, str], work: Path, history_days: int) -> Path:
    """A warehouse holding `history_days` days before FIRST_DAY, landed and built."""
    db = work / f"history-{history_days}" / "warehouse.duckdb"
    db.parent.mkdir(parents=True)
    days = [FIRST_DAY - timedelta(days=history_days - n) for n in range(history_days)]
    land_days(env, str(db), days, "history")
    _ensure_raw_tables(db)
    _dbt(db, "build", "--exclude-resource-type", "unit_test")
    return db


def new_day_cost(env: dict[str, str], db: Path, day: date) -> dict[str, float]:
    """What the daily run costs: land one new day, then `dbt build`."""
    os.sync()
    landing = land_days(env, str(db), [day], f"new-day-{day}")["seconds"]
    build = _dbt(db, "build", "--exclude-resource-type", "unit_test")
    return {"landing_seconds": landing, "dbt_seconds": build, "total_seconds": landing + build}


# --- the run --------------------------------------------------------------------------------


def _median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def _versions() -> dict[str, str]:
    names = ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "httpx")
    return {name: metadata.version(name) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quick-rounds",
        type=int,
        default=7,
        help="rounds for windows of at most --quick-window records (at least --rounds)",
    )
    parser.add_argument("--quick-window", type=int, default=100_000)
    parser.add_argument("--history", default="7,365", help="days of history before a new day")
    parser.add_argument("--dlt-size", type=int, default=10_000, help="window dlt runs on")
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--report", type=Path, help="print a stored result again")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args()
    if args.report:
        report = json.loads(args.report.read_text())
        sizes = [int(size) for size in report["sizes"]]
        history = sorted(int(n) for n in report["new_day"])
        report["targets"] = _targets(report, sizes, history)
        _print(report, sizes, history)
        return
    if args.child:
        kind, *rest = args.child
        if kind == "ours":
            result = child_ours(json.loads(rest[0]), rest[1], rest[2])
        elif kind == "floor":
            result = child_floor(rest[0], rest[1])
        elif kind == "dlt":
            result = child_dlt(json.loads(rest[0]), rest[1], rest[2], rest[3] == "best")
        else:
            result = child_sandbox(json.loads(rest[0]), rest[1])
        print(json.dumps(result))
        return

    from qa_sandbox.kore_bulk import BulkDay
    from qa_sandbox.server import SandboxServer

    from pipeline.lib.dbt import ensure_manifest
    from pipeline.lib.vendor import dbt_vars
    from pipeline.vendors import VENDORS

    ensure_manifest(dbt_vars(VENDORS))
    sizes = [int(s) for s in args.sizes.split(",")]
    # A window landed in about a second is at the mercy of a shared machine's hiccups (a
    # round of 10,000 records took 1.32, 1.05 and 0.72 s in one run): quick windows get more
    # rounds, still interleaved with the others, so that their median is not one hiccup.
    rounds = {
        size: max(args.rounds, args.quick_rounds) if size <= args.quick_window else args.rounds
        for size in sizes
    }
    history_days = [int(n) for n in args.history.split(",")]
    days = {size: FIRST_DAY + timedelta(days=10 + n) for n, size in enumerate(sizes)}
    runs: dict[int, dict[str, list[dict[str, float]]]] = {
        size: {"ours": [], "floor": [], "sandbox": [], "dlt_best": [], "dlt_defaults": []}
        for size in sizes
    }
    with_dlt = importlib.util.find_spec("dlt") is not None
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": _versions(),
        "rounds": args.rounds,
        "rounds_by_size": {str(size): n for size, n in rounds.items()},
        "record_bytes": len(BulkDay(FIRST_DAY, 1).record(0)),
        "page_size": PAGE_SIZE,
    }
    with SandboxServer() as server, tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        server.remove_rate_limits()
        server.kore.per_day = HISTORY_PER_DAY
        work = Path(tmp)
        env = json.dumps(server.env())
        for size in sizes:
            bulk = BulkDay(days[size], size)
            bulk.prerender(PAGE_SIZE)
            server.kore.bulk_days[days[size]] = bulk
            with open(work / f"{size}.ndjson", "w") as out:
                for record in bulk.records():
                    out.write(record + "\n")
        landed: dict[int, Path] = {}
        for round_number in range(max(rounds.values())):
            # Interleaved, so machine noise hits every size and path alike.
            for size in (size for size in sizes if round_number < rounds[size]):
                day = days[size].isoformat()
                ours_db = work / f"ours-{size}-{round_number}" / "warehouse.duckdb"
                ours_db.parent.mkdir()
                runs[size]["ours"].append(_child("ours", env, day, str(ours_db)))
                floor_db = work / f"floor-{size}-{round_number}.duckdb"
                runs[size]["floor"].append(
                    _child("floor", str(work / f"{size}.ndjson"), str(floor_db))
                )
                floor_db.unlink()
                runs[size]["sandbox"].append(_child("sandbox", env, day))
                if with_dlt and size == args.dlt_size:
                    for mode in ("best", "defaults"):
                        dlt_db = work / f"dlt-{mode}-{round_number}" / "dlt.duckdb"
                        dlt_db.parent.mkdir()
                        runs[size][f"dlt_{mode}"].append(_child("dlt", env, day, str(dlt_db), mode))
                        shutil.rmtree(dlt_db.parent)
                if size in landed:
                    shutil.rmtree(ours_db.parent)
                else:
                    landed[size] = ours_db
            print(f"round {round_number + 1} of {max(rounds.values())} done", file=sys.stderr)
        for size in sizes:
            _ensure_raw_tables(landed[size])
            runs[size]["dbt"] = dbt_versus_hand(landed[size], work / f"dbt-{size}", args.rounds)
            (work / f"{size}.ndjson").unlink()
        histories = {int(n): build_history(json.loads(env), work, int(n)) for n in history_days}
        # New days one after another, alternating between the histories (noise hits both).
        new_days: dict[int, list[dict[str, float]]] = {n: [] for n in histories}
        for round_number in range(args.rounds):
            for n, db in histories.items():
                day = FIRST_DAY + timedelta(days=round_number)
                new_days[n].append(new_day_cost(json.loads(env), db, day))
        history = {
            n: {
                **{key: _median(rows, key) for key in rows[0]},
                "raw": rows,
            }
            for n, rows in new_days.items()
        }

    report["sizes"] = {}
    for size in sizes:
        ours, floor, sandbox = (runs[size][k] for k in ("ours", "floor", "sandbox"))
        row = {
            "records": int(_median(ours, "records")),
            "ours_records_per_second": size / _median(ours, "seconds"),
            "floor_records_per_second": size / _median(floor, "seconds"),
            "sandbox_records_per_second": size / _median(sandbox, "seconds"),
            "ours_peak_rss_mb": _median(ours, "peak_rss_mb"),
            "floor_peak_rss_mb": _median(floor, "peak_rss_mb"),
            "dbt_build_seconds": _median(runs[size]["dbt"], "dbt_seconds"),
            "hand_sql_seconds": _median(runs[size]["dbt"], "hand_seconds"),
            "dbt_split": {
                key: _median(runs[size]["dbt"], key)
                for key in runs[size]["dbt"][0]
                if key.startswith("dbt_") and key != "dbt_seconds"
            },
            "raw": runs[size],
        }
        row["landing_vs_floor"] = row["ours_records_per_second"] / row["floor_records_per_second"]
        row["dbt_vs_hand"] = row["dbt_build_seconds"] / row["hand_sql_seconds"]
        row["sequential_limit"] = _sequential_limit(row)
        row.update(_cpu_budget(runs[size], report["machine"]["cpus"]))
        report["sizes"][str(size)] = row
    report["new_day"] = {str(k): v for k, v in history.items()}
    if with_dlt and args.dlt_size in sizes:
        dlt_rows = runs[args.dlt_size]
        ours_rate = report["sizes"][str(args.dlt_size)]["ours_records_per_second"]
        report["dlt"] = {
            "records": args.dlt_size,
            "version": metadata.version("dlt"),
            **{
                f"{mode}_records_per_second": args.dlt_size
                / _median(dlt_rows[f"dlt_{mode}"], "seconds")
                for mode in ("best", "defaults")
            },
        }
        report["dlt"]["ours_vs_best"] = ours_rate / report["dlt"]["best_records_per_second"]
        report["dlt"]["ours_vs_defaults"] = ours_rate / report["dlt"]["defaults_records_per_second"]
    elif with_dlt:
        report["dlt_missing"] = f"--dlt-size {args.dlt_size} is not among the sizes measured"
    else:
        report["dlt_missing"] = "dlt is not installed: pip install '.[bench]'"
    report["targets"] = _targets(report, sizes, sorted(history))
    _print(report, sizes, sorted(history))
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = report["when"].replace(":", "").replace("+0000", "Z")
    text = json.dumps(report, indent=2, sort_keys=True)
    (args.results / f"{stamp}.json").write_text(text)
    (args.results / "latest.json").write_text(text)


def _sequential_limit(row: dict[str, Any]) -> float:
    """The ratio to the floor of a landing that fetched the window at the sandbox's bare speed
    (no client work at all) and then did exactly the floor's work: the most a landing can
    reach that reads the whole window before it writes the warehouse, as ours does."""
    floor_seconds = 1 / row["floor_records_per_second"]
    fetch_seconds = 1 / row["sandbox_records_per_second"]
    return floor_seconds / (floor_seconds + fetch_seconds)


def _cpu_budget(runs: dict[str, list[dict[str, float]]], cpus: int) -> dict[str, float]:
    """CPU seconds (user and system, every thread) of each path, the sandbox's share counted
    apart, and two ceilings on the landing ratio that follow from them on this machine:

    - overlap_limit: ours, had every CPU second of its work and its sandbox's run in parallel
      on all cores (fetch, spool and commit perfectly overlapped);
    - cpu_limit: a landing that cost only the bare fetch (client and sandbox) plus the floor's
      own work, in parallel on all cores."""
    out = {
        "ours_cpu_seconds": _median(runs["ours"], "cpu_seconds"),
        "ours_sandbox_cpu_seconds": _median(runs["ours"], "sandbox_cpu_seconds"),
        "fetch_cpu_seconds": _median(runs["sandbox"], "cpu_seconds"),
        "fetch_sandbox_cpu_seconds": _median(runs["sandbox"], "sandbox_cpu_seconds"),
        "floor_cpu_seconds": _median(runs["floor"], "cpu_seconds"),
    }
    floor_seconds = _median(runs["floor"], "seconds")
    ours = out["ours_cpu_seconds"] + out["ours_sandbox_cpu_seconds"]
    least = out["fetch_cpu_seconds"] + out["fetch_sandbox_cpu_seconds"] + out["floor_cpu_seconds"]
    out["overlap_limit"] = floor_seconds / (ours / cpus)
    out["cpu_limit"] = floor_seconds / (least / cpus)
    return out


def _targets(report: dict[str, Any], sizes: list[int], history: list[int]) -> dict[str, Any]:
    rows = report["sizes"]
    out: dict[str, Any] = {}
    worst = min(rows[str(s)]["landing_vs_floor"] for s in sizes)
    out["landing_vs_floor"] = {
        "measured": worst,
        "target": ">= 0.6",
        "met": worst >= TARGETS["landing_vs_floor_min"],
    }
    if 100_000 in sizes and 1_000_000 in sizes:
        growth = rows["1000000"]["ours_peak_rss_mb"] / rows["100000"]["ours_peak_rss_mb"]
        out["rss_100k_to_1m"] = {
            "measured": growth,
            "target": "<= 1.2",
            "met": growth <= TARGETS["rss_growth_100k_to_1m_max"],
        }
    largest = rows[str(sizes[-1])]["dbt_vs_hand"]
    out["dbt_vs_hand_largest"] = {
        "measured": largest,
        "target": "<= 1.3",
        "met": largest <= TARGETS["dbt_vs_hand_max"],
    }
    if len(history) == 2:
        short, long = (report["new_day"][str(n)]["total_seconds"] for n in history)
        out["new_day_long_vs_short"] = {
            "measured": long / short,
            "target": "<= 1.5",
            "met": long / short <= TARGETS["new_day_365_vs_7_max"],
        }
    if "dlt" in report:
        ratio = report["dlt"]["ours_vs_best"]
        out["vs_dlt_best"] = {"measured": ratio, "target": ">= 6", "met": ratio >= 6}
    else:
        out["vs_dlt_best"] = {
            "measured": None,
            "target": ">= 6",
            "met": None,
            "note": report.get("dlt_missing", "dlt did not run"),
        }
    return out


# (title, key of a size's row, width, format) of each column of the two tables.
_LANDING_COLUMNS = [
    ("ours rec/s", "ours_records_per_second", 11, ".0f"),
    ("floor rec/s", "floor_records_per_second", 12, ".0f"),
    ("ratio", "landing_vs_floor", 6, ".2f"),
    ("limit", "sequential_limit", 6, ".2f"),
    ("sandbox rec/s", "sandbox_records_per_second", 14, ".0f"),
    ("ours RSS MB", "ours_peak_rss_mb", 12, ".0f"),
    ("floor RSS MB", "floor_peak_rss_mb", 13, ".0f"),
    ("dbt build s", "dbt_build_seconds", 12, ".1f"),
    ("hand SQL s", "hand_sql_seconds", 11, ".1f"),
    ("ratio", "dbt_vs_hand", 6, ".2f"),
]
_CPU_COLUMNS = [
    ("ours", "ours_cpu_seconds", 7, ".1f"),
    ("+sandbox", "ours_sandbox_cpu_seconds", 9, ".1f"),
    ("bare fetch", "fetch_cpu_seconds", 11, ".1f"),
    ("+sandbox", "fetch_sandbox_cpu_seconds", 9, ".1f"),
    ("floor", "floor_cpu_seconds", 7, ".1f"),
    ("overlap limit", "overlap_limit", 14, ".2f"),
    ("CPU limit", "cpu_limit", 10, ".2f"),
]


def _print_table(
    report: dict[str, Any], sizes: list[int], columns: list[tuple[str, str, int, str]]
) -> None:
    print(f"{'records':>9} " + " ".join(f"{title:>{width}}" for title, _, width, _ in columns))
    for size in sizes:
        row = report["sizes"][str(size)]
        cells = (f"{row[key]:>{width}{spec}}" for _, key, width, spec in columns)
        print(f"{size:>9} " + " ".join(cells))


def _print_dbt_split(report: dict[str, Any], sizes: list[int]) -> None:
    """Where each window's `dbt build` went: starting, then its nodes by kind."""
    if not all("dbt_split" in report["sizes"][str(size)] for size in sizes):
        return  # results written before the split was measured
    print("Where dbt build's time went (medians; nodes: dbt's own execution time of each):")
    for size in sizes:
        row = report["sizes"][str(size)]
        split = row["dbt_split"]
        nodes = split["dbt_nodes_seconds"]
        counts = {kind: int(split.get(f"dbt_{kind}_count", 0)) for kind in NODE_KINDS}
        kinds = ", ".join(
            f"{n} {kind}{'s' if n != 1 else ''} {split[f'dbt_{kind}_seconds']:.1f} s"
            for kind, n in counts.items()
            if n
        )
        print(
            f"{size:>9} records: {row['dbt_build_seconds']:.1f} s = "
            f"{row['dbt_build_seconds'] - nodes:.1f} s starting and finishing + "
            f"{nodes:.1f} s running nodes ({kinds}); the same SQL by hand "
            f"{row['hand_sql_seconds']:.1f} s"
        )


def _print(report: dict[str, Any], sizes: list[int], history: list[int]) -> None:
    print(
        f"qa-warehouse bench {report['when']}: {report['machine']['cpus']} CPUs, Python "
        f"{report['machine']['python']}, "
        + ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    )
    by_size = report.get("rounds_by_size") or {str(size): report["rounds"] for size in sizes}
    counts = sorted(set(by_size.values()), reverse=True)
    rounds = "; ".join(
        f"{n} at {', '.join(size for size in by_size if by_size[size] == n)} records"
        for n in counts
    )
    print(
        f"Kore-like records of {report['record_bytes']} bytes, pages of {PAGE_SIZE}; medians of "
        f"interleaved rounds ({rounds}); rec/s = records per second"
    )
    for size in sizes:  # results written before the column existed
        row = report["sizes"][str(size)]
        row.setdefault("sequential_limit", _sequential_limit(row))
    _print_table(report, sizes, _LANDING_COLUMNS)
    print(
        "limit: the ratio of a landing that fetches at the sandbox's bare speed, then does the "
        "floor's work"
    )
    if all("cpu_limit" in report["sizes"][str(size)] for size in sizes):
        cpus = report["machine"]["cpus"]
        print(f"CPU seconds (user + system, every thread; {cpus} cores) and what they allow:")
        _print_table(report, sizes, _CPU_COLUMNS)
        print(
            "overlap limit: the ratio ours would reach with all its CPU work (and its "
            "sandbox's) spread perfectly over every core"
        )
        print(
            "CPU limit: the same for a landing that cost only the bare fetch's CPU and the floor's"
        )
    _print_dbt_split(report, sizes)
    print(f"One new day of {HISTORY_PER_DAY} conversations (landing + dbt build) after:")
    for n in history:
        cost = report["new_day"][str(n)]
        print(
            f"{n:>5} days of history: {cost['total_seconds']:.1f} s "
            f"(landing {cost['landing_seconds']:.1f} s, dbt {cost['dbt_seconds']:.1f} s)"
        )
    if "dlt" in report:
        dlt = report["dlt"]
        print(
            f"dlt {dlt['version']} rest_api on the {dlt['records']}-record window: best "
            f"(parquet, no nesting) {dlt['best_records_per_second']:.0f} rec/s, defaults "
            f"{dlt['defaults_records_per_second']:.0f} rec/s; ours is "
            f"{dlt['ours_vs_best']:.1f}x and {dlt['ours_vs_defaults']:.1f}x"
        )
        row = report["sizes"][str(dlt["records"])]
        fetch_then_floor = (
            1 / row["floor_records_per_second"] + 1 / row["sandbox_records_per_second"]
        )
        print(
            f"  the same limit (bare fetch, then the floor's work) would be "
            f"{1 / dlt['best_records_per_second'] / fetch_then_floor:.1f}x dlt's best"
        )
    else:
        print(f"dlt: not measured ({report.get('dlt_missing', 'dlt did not run')})")
    print("Targets:")
    for name, target in report["targets"].items():
        measured = "-" if target["measured"] is None else f"{target['measured']:.2f}"
        verdict = {True: "met", False: "NOT met", None: "not measured"}[target["met"]]
        print(f"  {name}: {measured} (target {target['target']}): {verdict}")


if __name__ == "__main__":
    main()
