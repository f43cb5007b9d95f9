"""`qa-warehouse` as a user runs it: a real process, a real sandbox on loopback. The demo runs
once for this file; the commands an analyst or operator runs next read what it left."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.lib.vendor import VendorConfigError, enabled_vendors
from pipeline.vendors import VENDORS
from tests.conftest import Warehouse
from tests.waiting import wait_until

CLI = str(Path(sys.executable).parent / "qa-warehouse")
ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LIBRARY_NOISE = ("Warning", "Traceback", "dagster -", "START sql", "Running with dbt")


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("QA_", "DAGSTER", *(vendor.settings.env_prefix for vendor in VENDORS)))
    }
    home = tmp_path / "dagster_home"
    if not home.exists():
        home.mkdir(parents=True)
        shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    # The command's own dbt target, never the one the test process parsed for its warehouse;
    # its own Dagster instance, as the project's dagster_home/ would be for a user.
    env.update(
        QA_PARTITIONS_START="2026-01-01",
        QA_DBT_TARGET_PATH=str(tmp_path / "dbt-target"),
        DAGSTER_HOME=str(home),
    )
    env.update(extra)
    return env


def _worker_warehouse(warehouse: Warehouse) -> dict[str, str]:
    """The test worker's warehouse and dbt target, for a command whose subject is not the first
    run: dbt's parse of the project for this warehouse is then already done."""
    return {
        "QA_WAREHOUSE_PATH": str(warehouse.path),
        "QA_ANALYTICS_PATH": str(warehouse.analytics_path),
        "QA_DBT_TARGET_PATH": os.environ["QA_DBT_TARGET_PATH"],
    }


def _cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 600):
    return subprocess.run(
        [CLI, *args],
        cwd=tmp_path,
        env=env or _clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """`qa-warehouse demo --days 2` in a fresh folder, as a new user runs it (output piped)."""
    home = tmp_path_factory.mktemp("demo")
    return home, _cli(home, "demo", "--days", "2")


def test_demo_loads_builds_publishes_and_prints_a_short_summary(demo) -> None:
    home, result = demo
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # Quiet: progress lines, dbt's totals in one line, the summary; no tool logs, no colour.
    assert not ANSI.search(out + result.stderr)
    for noise in LIBRARY_NOISE:
        assert noise not in out and noise not in result.stderr, noise
    assert re.search(r"^\[\d+/\d+\] kore \d{4}-\d{2}-\d{2}: \d+ records$", out, re.M)
    assert re.search(r"^\[\d+/\d+\] dbt build and publish: ok$", out, re.M)
    # The total is known from the start: waiting for analyses is no step of it.
    totals = set(re.findall(r"^\[\d+/(\d+)\]", out, re.M))
    assert len(totals) == 1, totals
    assert re.search(r"^dbt build: PASS=\d+ WARN=\d+ ERROR=0 SKIP=0", out, re.M)
    assert "fct_interaction" in out and "Best 3 agents of each vendor" in out
    assert len(out.splitlines()) < 80, out
    log = re.search(r"^Logs of dbt and Dagster: (.+)$", out, re.M)
    assert log and "START sql" in Path(log[1]).read_text(), "the details are kept in the log"
    analytics = home / "data" / "analytics.duckdb"
    assert (home / "data" / "scorecard.html").exists()
    with duckdb.connect(str(analytics), read_only=True) as conn:
        days = conn.execute(
            "select count(distinct cast(started_at as date)) from marts.fct_interaction "
            "where vendor = 'kore'"
        ).fetchone()[0]
        vendors = conn.execute("select distinct vendor from marts.fct_evaluation").fetchall()
        interaction_vendors = conn.execute(
            "select distinct vendor from marts.fct_interaction"
        ).fetchall()
    assert days == 2
    assert sorted(v for (v,) in vendors) == ["cqa", "evaluagent", "kore", "voxxi"]
    assert "exotel" in {v for (v,) in interaction_vendors}, "the demo's receiver took Exotel's"


def test_the_demo_runs_are_in_the_dagster_instance(demo) -> None:
    """The UI of `make dev` (the same DAGSTER_HOME) shows what the demo did."""
    from dagster import AssetKey, DagsterInstance

    home, _ = demo
    with DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        jobs = {run.job_name for run in instance.get_runs()}
        assert {"kore_raw", "build_and_publish", "exotel_sync"} <= jobs
        materialized = instance.get_latest_materialization_event(
            AssetKey(["raw", "kore", "rawdata"])
        )
        assert materialized is not None
        metadata = materialized.asset_materialization.metadata
        assert metadata["dagster/table_name"].value == "raw.kore__rawdata"
        assert metadata["dagster/row_count"].value > 0
        observed = instance.fetch_observations(AssetKey(["marts", "fct_interaction"]), limit=1)
        assert observed.records[0].asset_observation.metadata["dagster/row_count"].value > 0


def _descendants(pid: int) -> set[int]:
    """Every process started by `pid`, at any depth (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_make_dev_shows_the_demos_runs_quietly_and_stops_whole_on_sigterm(demo) -> None:
    """`qa-warehouse dev` (what `make dev` runs): the UI answers with the demo's runs and no
    invitation modal, the terminal gets a few lines and no library warning, and SIGTERM (what
    `make` passes on when it is stopped) ends the webserver, the daemon and their children."""
    from tests.dagster_services import free_port, graphql

    home, _ = demo
    port = free_port()
    output = home / "dev-output.txt"
    # No QA_PARTITIONS_START: the UI's daily partitions start at the demo's first day.
    env = _clean_env(home)
    del env["QA_PARTITIONS_START"]
    with duckdb.connect(str(home / "data" / "warehouse.duckdb"), read_only=True) as conn:
        (first_day,) = conn.execute(
            "select min(window_start)::date from raw.load_log where window_start > '2000-01-01'"
        ).fetchone()
    with output.open("w") as out:
        process = subprocess.Popen(
            [CLI, "dev", "--port", str(port)],
            cwd=home,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: "The Dagster UI is up" in output.read_text(),
            "the line that says the UI answers",
            process=process,
            interval=0.5,
        )
        data = graphql(url, "{ shouldShowNux runsOrError { ... on Runs { results { jobName } } } }")
        assert data["shouldShowNux"] is False
        jobs = {run["jobName"] for run in data["runsOrError"]["results"]}
        assert {"kore_raw", "build_and_publish"} <= jobs, jobs
        keys = graphql(
            url,
            '{ assetNodeOrError(assetKey: {path: ["raw", "kore", "rawdata"]}) '
            "{ ... on AssetNode { partitionKeys } } }",
        )["assetNodeOrError"]["partitionKeys"]
        assert keys[0] == first_day.isoformat() and len(keys) <= 4, keys
        started = _descendants(process.pid)
        assert len(started) >= 2, "the webserver and the daemon"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    assert process.returncode == 0
    left = {pid for pid in started if _alive(pid)}
    assert not left, f"still running after SIGTERM: {left}"
    text = output.read_text()
    assert not ANSI.search(text)
    for noise in LIBRARY_NOISE:
        assert noise not in text, text
    assert len(text.splitlines()) <= 4, text
    assert "dagster-dev.log" in text and (home / "data" / "logs" / "dagster-dev.log").exists()


def test_status_shows_honest_figures_and_json(demo, sandbox) -> None:
    home, _ = demo
    # Kore configured in this shell (as it is where the daemon runs), the others not.
    env = _clean_env(home, **{k: v for k, v in sandbox.env().items() if k.startswith("KORE_")})
    table = _cli(home, "status", env=env)
    assert table.returncode == 0, table.stderr
    header = table.stdout.splitlines()[0]
    assert "rows" in header and "next run" in header
    assert max(len(line) for line in table.stdout.splitlines()) <= 100, table.stdout
    assert "-: nothing of the kind yet." in " ".join(table.stdout.split())
    result = _cli(home, "status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    statuses = {s["vendor"]: s for s in json.loads(result.stdout)}
    assert set(statuses) == {v.name for v in VENDORS}
    kore = statuses["kore"]
    assert kore["configured"] is True and kore["last_day"] and kore["last_day_rows"] > 0
    assert statuses["cqa"]["configured"] is False and statuses["cqa"]["last_day_rows"] > 0
    # Schedules are off in a fresh instance: no next run is promised.
    assert {s["name"] for s in kore["schedules"]} == {"kore_daily", "kore_deep_weekly"}
    assert not any(s["running"] for s in kore["schedules"])
    assert kore["next_run_at"] is None
    assert statuses["exotel"]["pending"] == 0
    kore_line = next(line for line in table.stdout.splitlines() if line.startswith("kore"))
    assert kore_line.split()[-1] == "off"


def test_sql_and_report_commands_read_the_analyst_copy(demo) -> None:
    home, _ = demo
    result = _cli(
        home,
        "sql",
        "--csv",
        "select vendor, count(*) as n from marts.fct_interaction group by 1 order by 1",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "vendor,n" and any(line.startswith("kore,") for line in lines)
    wide = _cli(home, "sql", "select repeat('x', 150) as wide, 1 as n")
    assert wide.returncode == 0 and "x" * 150 in wide.stdout, "piped rows are never cut"
    table = _cli(home, "sql", "select count(*) as agents from marts.dim_agent")
    assert table.returncode == 0 and "agents" in table.stdout
    bad = _cli(home, "sql", "select * from marts.nothing_here")
    assert bad.returncode == 2 and "nothing_here" in bad.stderr and "Traceback" not in bad.stderr
    out = home / "elsewhere" / "report.html"
    report = _cli(home, "report", "--output", str(out))
    assert report.returncode == 0 and out.exists()
    assert "<svg" in out.read_text() and "http://" not in out.read_text().replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_published_copy_keeps_the_column_descriptions(demo) -> None:
    home, _ = demo
    with duckdb.connect(str(home / "data" / "analytics.duckdb"), read_only=True) as conn:
        table = conn.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' "
            "and table_name = 'agent_daily_scorecard'"
        ).fetchone()[0]
        column = conn.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'agent_daily_scorecard' and column_name = 'score_pct_sum'"
        ).fetchone()[0]
        undocumented = conn.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
            "and comment is null"
        ).fetchall()
    assert table == "One agent, one UTC day, one vendor."
    assert column.startswith("Sum of their score_pct, an exact decimal")
    assert undocumented == [], "every mart column is described"


GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_analysing_guides_queries_answer_on_the_demo(demo) -> None:
    """The cookbook's queries (every `sql` block of docs/analysing.md) run on the analyst
    copy and find answers."""
    home, _ = demo
    queries = re.findall(r"```sql\n(.*?)```", (ROOT / "docs" / "analysing.md").read_text(), re.S)
    assert len(queries) >= 5
    with duckdb.connect(str(home / "data" / "analytics.duckdb"), read_only=True) as conn:
        for query in queries:
            rows = conn.execute(query).fetchall()
            assert rows, f"no answer from:\n{query}"


def test_run_names_vendor_day_and_reason_on_failure(tmp_path: Path, sandbox, warehouse) -> None:
    env = _clean_env(
        tmp_path,
        **{k: v for k, v in sandbox.env().items() if k.startswith("KORE_")},
        **_worker_warehouse(warehouse),
    )
    env["KORE_CLIENT_SECRET"] = "not-the-right-secret"
    result = _cli(tmp_path, "run", "--start", "2026-03-23", "--end", "2026-03-24", env=env)
    assert result.returncode == 1
    assert "kore 2026-03-23" in result.stderr and "kore 2026-03-24" in result.stderr
    assert "rejected the credentials" in result.stderr
    assert "not-the-right-secret" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    # Nothing landed, so the marts could not change: no build, and the line says why.
    assert "[3/3] dbt build and publish: skipped: nothing landed" in result.stdout, result.stdout


def test_verbose_shows_the_tools_logs_without_colour_codes(
    tmp_path: Path, sandbox, warehouse
) -> None:
    env = _clean_env(
        tmp_path,
        **{k: v for k, v in sandbox.env().items() if k.startswith("KORE_")},
        **_worker_warehouse(warehouse),
    )
    result = _cli(tmp_path, "run", "--start", "2026-03-23", "--end", "2026-03-23", "-v", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "START sql" in result.stdout, "dbt's per-model lines"
    assert not ANSI.search(result.stdout + result.stderr), "no colour codes into a pipe"
    assert "Warning" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--start", "2026-03-23", "--end", "2026-03-22"], "--end is before --start"),
        (["run", "--start", "23/03/2026", "--end", "2026-03-23"], "Invalid value for '--start'"),
        (
            ["run", "--start", "2026-03-23", "--end", "2026-03-23", "--vendor", "nope"],
            "unknown vendor nope",
        ),
        (["resubmit", "--vendor", "voxxi"], "has no submission in doubt"),
        (["frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(tmp_path: Path, args, message) -> None:
    result = _cli(
        tmp_path, *args, env=_clean_env(tmp_path, QA_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"))
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr


def test_a_half_configured_vendor_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = _clean_env(tmp_path, KORE_BASE_URL="http://127.0.0.1:9", KORE_STREAM_ID="st-1")
    for command in (["run", "--start", "2026-03-23", "--end", "2026-03-23"], ["status"]):
        result = _cli(tmp_path, *command, env=env, timeout=300)
        assert result.returncode == 2, (command, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert (
            len(lines) == 1 and "KORE_CLIENT_SECRET" in lines[0] and "half-configured" in lines[0]
        )


def test_version_and_help_with_examples(tmp_path: Path) -> None:
    version = _cli(tmp_path, "--version")
    assert version.returncode == 0
    assert re.fullmatch(r"qa-warehouse \d+\.\d+\.\d+\n", version.stdout)
    helped = _cli(tmp_path, "run", "--help")
    assert helped.returncode == 0 and "Example" in helped.stdout and "--vendor" in helped.stdout
    top = _cli(tmp_path, "--help")
    for command in ("demo", "run", "status", "receiver", "report", "sql", "quarantine"):
        assert command in top.stdout
    assert "CONTRACT" not in top.stdout


def test_vendor_enablement() -> None:
    assert enabled_vendors(VENDORS, {}) == []
    full = {
        name: "x"
        for name in (
            "KORE_BASE_URL",
            "KORE_STREAM_ID",
            "KORE_ACCOUNT_ID",
            "KORE_ORG_ID",
            "KORE_CLIENT_ID",
            "KORE_CLIENT_SECRET",
        )
    }
    assert enabled_vendors(VENDORS, full) == ["kore"]
    with pytest.raises(VendorConfigError, match="KORE_ORG_ID"):
        enabled_vendors(VENDORS, {k: v for k, v in full.items() if k != "KORE_ORG_ID"})


def _ignore_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def test_sandbox_command_serves_the_vendors_on_loopback(tmp_path: Path) -> None:
    import httpx

    # Started as a parent that ignores SIGTERM would start it (a shell's background job, some
    # supervisors): the ignoring is inherited through exec, and the command must still stop.
    process = subprocess.Popen(
        [CLI, "sandbox", "--port", "0"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigterm,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("vendor sandbox on http://127.0.0.1:")
        url = first.split()[3].rstrip(";")
        response = httpx.get(f"{url}/evaluagent/v1/org/users", auth=("wrong", "credentials"))
        assert response.status_code == 401
        assert response.json()["errors"][0]["detail"].startswith("Unauthorized")
        process.terminate()
        # The outer limit guards against a hang only: a stop takes a second or two.
        assert process.wait(timeout=600) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_report_renders_its_charts_in_chromium(demo, tmp_path) -> None:
    """Opened as a person would, in a headless Debian chromium with no network: the charts
    are drawn (each vendor's colour is on the page) and nothing was fetched."""
    from PIL import Image

    PALETTE = {vendor.name: vendor.colour for vendor in VENDORS}
    from tests.test_dagster_ui import CHROMIUM

    home, _ = demo
    page = home / "data" / "scorecard.html"
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1400,2600",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (1400, 2600)
    counts = {colour: 0 for colour in PALETTE.values()}
    for pixel, count in ((p, c) for c, p in image.getcolors(maxcolors=1 << 24)):
        hexed = "#{:02x}{:02x}{:02x}".format(*pixel)
        if hexed in counts:
            counts[hexed] += count
    for vendor in (v.name for v in VENDORS if v.scores):
        assert counts[PALETTE[vendor]] > 40, f"{vendor}'s lines and bars are not drawn"
    text = page.read_text()
    assert "<script src" not in text and "<link" not in text, "nothing to fetch"


def _rendered(page: Path, profile: Path) -> str:
    from tests.test_dagster_ui import CHROMIUM

    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def test_the_report_answers_both_questions_in_chromium(demo, tmp_path) -> None:
    """The page as chromium builds it: the standing across vendors (every agent ranked by
    enough evaluations, the others marked), the AI against people for each vendor whose AI
    people review, and its tables sorting when a heading is clicked."""
    home, _ = demo
    page = home / "data" / "scorecard.html"
    dom = _rendered(page, tmp_path / "profile")
    standing = dom.split("How is each agent doing across all our QA tools?")[1].split("</table>")[0]
    assert standing.count("<tr>") >= 6, "one row per agent of the week"
    assert "too few (" in standing, "an agent with too few evaluations is marked, not ranked"
    calibration = dom.split("Can we trust the AI's scores?")[1].split("</section>")[0]
    for vendor in (v.name for v in VENDORS if v.calibrates):
        scatter = re.search(
            rf'<svg class="scatter"[^>]*data-vendor="{vendor}".*?</svg>', calibration, re.S
        )
        assert scatter and scatter[0].count("<circle") >= 3, f"{vendor}: no AI-human pairs drawn"
    assert "Cohen's kappa" in calibration and "disagree most" in calibration
    header = dom.split("</header>")[0]
    assert re.search(r"Data from \d\d \w{3} \d{4} to \d\d \w{3} \d{4}", header)

    # Click "Combined" (the third heading of the first table) twice: highest first, then
    # lowest first (the table opens highest first).
    clicked = tmp_path / "clicked.html"
    clicked.write_text(
        page.read_text().replace(
            "</body>",
            '<script>const th = document.querySelectorAll("table")[0]'
            '.querySelectorAll("th[data-sort]")[2]; th.click(); th.click()</script></body>',
        )
    )
    table = _rendered(clicked, tmp_path / "profile2").split("<tbody>")[1].split("</tbody>")[0]
    combined = [
        float(value)
        for value in re.findall(
            r'<tr><td>.*?</td><td>.*?</td><td class="num[^"]*" data-value="([^"]*)"', table
        )
        if value
    ]
    assert len(combined) >= 3 and combined == sorted(combined)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_vendor_data_is_its_owners_alone_and_the_analyst_copy_is_for_readers(demo) -> None:
    """What the demo left: the warehouse, its journal, spools and logs only their owner can
    read; the analyst copy, its folder and the report every user can."""
    home, _ = demo
    data = home / "data"
    private = [data / "warehouse.duckdb", data / "webhooks.sqlite3"]
    private += [p for p in data.glob("webhooks.sqlite3-*")]
    private += [p for p in data.glob("warehouse.duckdb.wal")]
    private += [p for p in (data / "logs").rglob("*") if p.is_file()]
    spools = data / "warehouse.duckdb.spool"
    if spools.exists():
        private.append(spools)
    for path in private:
        assert _mode(path) & 0o077 == 0, f"{path.name} is {oct(_mode(path))}"
    copy = (data / "analytics.duckdb").resolve()
    assert _mode(copy) == 0o444
    assert _mode(data) & 0o005 == 0o005, "readers can enter the folder of the copy"
    assert _mode(data / "scorecard.html") & 0o004


def test_the_guides_commands_run_on_the_demo(demo, sandbox) -> None:
    """Every `qa-warehouse` line of a guide's `bash` blocks runs on the demo's warehouse, with
    Kore pointed at the sandbox, and succeeds. Last but one in the file: its run adds a day
    to the demo's warehouse."""
    home, _ = demo
    env = _clean_env(home, **{k: v for k, v in sandbox.env().items() if k.startswith("KORE_")})
    runnable = [
        line.split(" #")[0].strip()
        for guide in GUIDES
        for block in re.findall(r"```bash\n(.*?)```", guide.read_text(), re.S)
        for line in block.splitlines()
        if line.startswith("qa-warehouse ")
    ]
    assert len(runnable) >= 6, runnable
    for line in runnable:
        result = _cli(home, *shlex.split(line)[1:], env=env)
        assert result.returncode == 0, f"{line}: {result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, line


def test_every_command_the_guides_name_exists_with_its_options() -> None:
    """Every `qa-warehouse ...` the guides name in passing is a command of the command line,
    and takes the options they give it."""
    import typer

    import pipeline.cli  # noqa: F401  (registers the commands)
    from pipeline.cli.app import app

    named = {
        mention
        for guide in GUIDES
        for mention in re.findall(r"`(qa-warehouse [^`]+)`", guide.read_text())
    }
    assert len(named) >= 20, named
    root = typer.main.get_command(app)
    for mention in sorted(named):
        words = [w for w in mention.split()[1:] if re.fullmatch(r"[a-z][a-z-]*", w)]
        command = root
        for word in words[:2]:
            if word not in getattr(command, "commands", {}):
                break
            command = command.commands[word]
        if words:
            assert command is not root, f"{mention}: no such command"
        if command.name == "dbt":
            continue  # dbt's own options are dbt's (`qa-warehouse dbt` passes them on)
        options = {name for param in command.params for name in getattr(param, "opts", [])}
        for option in set(re.findall(r"(--[a-z][a-z-]*)", mention)) - {"--help"}:
            assert option in options, f"{mention}: {command.name} has no {option}"
