"""A vendor is its folders and one registry entry: a sixth vendor (Tally QA, made up, in
tests/fixtures/sixth_vendor/) is added to a copy of the project exactly as docs/developing.md's
"Adding a vendor" says, and runs end to end beside Kore through the command line."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SIXTH = Path(__file__).with_name("fixtures") / "sixth_vendor"
DAY = "2026-03-23"
# What a copy of the project needs to run: its code, its dbt project, its sandbox, its
# Dagster instance configuration.
COPIED = ("pipeline", "dbt_project", "sandbox/qa_sandbox", "dagster_home/dagster.yaml")
LEFT_BEHIND = shutil.ignore_patterns("target", "logs", "__pycache__", "*.egg-info")

# Runs inside the copy, on the copy's code: its sandbox, Kore and Tally pointed at it, one
# day through `qa-warehouse run`; then what Tally served that day, for the test to compare.
DRIVER = """
import json, os, sys
from datetime import date
from qa_sandbox.server import SandboxServer
from pipeline.cli import main

with SandboxServer() as server:
    server.remove_rate_limits()
    os.environ.update(
        (name, value)
        for name, value in server.env(unlimited=True).items()
        if name.startswith(("KORE_", "TALLY_"))
    )
    status = main(["run", "--start", sys.argv[1], "--end", sys.argv[1]])
    served = [review["id"] for review in server.tally.reviews_of(date.fromisoformat(sys.argv[1]))]
    with open(sys.argv[2], "w") as out:
        json.dump({"status": status, "served": served}, out)
"""


def _tree(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _copy_project(copy: Path) -> None:
    for name in COPIED:
        source, target = ROOT / name, copy / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=LEFT_BEHIND)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def add_vendor(copy: Path, name: str, folders: Path) -> None:
    """What docs/developing.md's "Adding a vendor" says: the vendor's folders, then its one entry in
    the registry (its import and its `VENDOR` in the list)."""
    shutil.copytree(
        folders,
        copy,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("ruff.toml", ".ruff_cache", "__pycache__"),
    )
    registry = copy / "pipeline" / "vendors.py"
    text = registry.read_text()
    text, imports = re.subn(
        r"^from pipeline import (.+)$",
        lambda m: f"from pipeline import {m.group(1)}, {name}",
        text,
        count=1,
        flags=re.MULTILINE,
    )
    text, entries = re.subn(r"\n\)\n", f"\n    {name}.VENDOR,\n)\n", text, count=1)
    assert (imports, entries) == (1, 1), "pipeline/vendors.py is not the list it was"
    registry.write_text(text)


@pytest.fixture(scope="module")
def sixth_vendor_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("sixth")
    copy = work / "project"
    _copy_project(copy)
    before = _tree(copy)
    add_vendor(copy, "tally", SIXTH)
    after = _tree(copy)

    (work / "driver.py").write_text(DRIVER)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("QA_", "DAGSTER", "KORE_", "EVALUAGENT_", "CQA_", "VOXXI_"))
        and not name.startswith(("EXOTEL_", "TALLY_", "PYTHONPATH"))
    }
    home = work / "dagster_home"
    home.mkdir()
    shutil.copyfile(copy / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env.update(
        # The copy's code and sandbox come before the installed project.
        PYTHONPATH=f"{copy}{os.pathsep}{copy / 'sandbox'}",
        DAGSTER_HOME=str(home),
        QA_WAREHOUSE_PATH=str(work / "data" / "warehouse.duckdb"),
        QA_ANALYTICS_PATH=str(work / "data" / "analytics.duckdb"),
        QA_PARTITIONS_START="2026-01-01",
        QA_DBT_TARGET_PATH=str(work / "dbt-target"),
    )
    result = work / "result.json"
    done = subprocess.run(
        [sys.executable, str(work / "driver.py"), DAY, str(result)],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return {
        "copy": copy,
        "env": env,
        "before": before,
        "after": after,
        "output": done.stdout + done.stderr,
        **json.loads(result.read_text()),
        "analytics": work / "data" / "analytics.duckdb",
    }


def test_adding_a_vendor_touches_its_folders_and_one_registry_entry(sixth_vendor_run) -> None:
    before, after = sixth_vendor_run["before"], sixth_vendor_run["after"]
    changed = {path for path in before if after.get(path) != before[path]}
    added = set(after) - set(before)
    assert changed == {"pipeline/vendors.py"}
    own = (
        "pipeline/tally/",
        "dbt_project/models/staging/tally/",
        "dbt_project/models/intermediate/tally/",
        "sandbox/qa_sandbox/tally.py",
    )
    assert added and all(path.startswith(own) for path in added), sorted(added)


def test_the_sixth_vendor_runs_end_to_end_beside_kore(sixth_vendor_run) -> None:
    assert sixth_vendor_run["status"] == 0, sixth_vendor_run["output"][-4000:]
    served = set(sixth_vendor_run["served"])
    assert served
    with duckdb.connect(str(sixth_vendor_run["analytics"]), read_only=True) as conn:
        landed = {
            row[0]
            for row in conn.execute(
                "select vendor_interaction_id from marts.fct_interaction where vendor = 'tally'"
            ).fetchall()
        }
        assert landed == served
        vendors = {
            row[0]
            for row in conn.execute("select distinct vendor from marts.fct_interaction").fetchall()
        }
        assert vendors == {"kore", "tally"}
        interactions, evaluations, scored = conn.execute(
            "select sum(interactions), sum(evaluations), count(avg_score_pct) "
            "from marts.agent_daily_scorecard where vendor = 'tally' and date = ?",
            [DAY],
        ).fetchone()
        assert (interactions, evaluations) == (len(served), len(served))
        assert scored > 0
        # The same people, matched by email across the two vendors.
        shared = conn.execute(
            "select count(*) from (select agent_id from marts.bridge_agent_vendor "
            "group by agent_id having count(distinct vendor) = 2)"
        ).fetchone()[0]
        assert shared > 0


def test_a_vendor_whose_columns_break_fails_at_its_own_model(sixth_vendor_run) -> None:
    copy, env = sixth_vendor_run["copy"], sixth_vendor_run["env"]
    model = copy / "dbt_project/models/intermediate/tally/int_tally__interactions.sql"
    model.write_text(model.read_text().replace("duration_seconds,", "'long' as duration_seconds,"))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pipeline.cli import main; sys.exit(main(sys.argv[1:]))",
            "dbt",
            "build",
            "--select",
            "int_tally__interactions+",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "int_tally__interactions" in output and "enforced contract" in output, output[-3000:]
    assert re.search(r"duration_seconds\s*\|\s*VARCHAR\s*\|\s*DOUBLE", output), output[-3000:]
    # Nothing downstream was built from it: the marts still hold the good rows.
    assert re.search(r"SKIP relation marts\.fct_interaction", output), output[-3000:]
