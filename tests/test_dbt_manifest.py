"""dbt's files around Dagster: the manifest is parsed for the warehouse the runs use, so that
every dbt step parses only what changed, and a run does not leave its own target behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.lib.dbt import (
    DBT_EXECUTABLE,
    dbt_project,
    ensure_manifest,
    manifest_is_stale,
    vars_arguments,
)
from tests.conftest import DBT_VARS


def _dbt_parse_output() -> str:
    done = subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            *vars_arguments(DBT_VARS),
            "--project-dir",
            str(dbt_project.project_dir),
            "--profiles-dir",
            str(dbt_project.profiles_dir),
            "--target-path",
            str(Path(dbt_project.manifest_path).parent),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_manifest_parsed_for_another_warehouse_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(tmp_path / "first.duckdb"))
    ensure_manifest(DBT_VARS)
    assert not manifest_is_stale(DBT_VARS)

    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(tmp_path / "second.duckdb"))
    assert manifest_is_stale(DBT_VARS), "dbt's saved parse state names the first warehouse"
    ensure_manifest(DBT_VARS)
    assert not manifest_is_stale(DBT_VARS)
    # What a Dagster dbt step then does with the saved state: dbt parses only what changed.
    output = _dbt_parse_output()
    assert "Unable to do partial parsing" not in output, output


def test_a_successful_run_leaves_no_dbt_target_of_its_own(kore_only, capfd) -> None:
    target = Path(dbt_project.manifest_path).parent
    before = set(target.iterdir())
    assert kore_only.run() == []
    # The build started from the prepared parse state, not from nothing.
    printed = capfd.readouterr().out
    assert "Found 70 models" in printed or "START" in printed, printed[-2000:]
    assert "Unable to do partial parsing" not in printed, printed[-2000:]
    assert kore_only.scalar("select count(*) from marts.fct_interaction") > 0
    # Only this test's runs: another test's build may be running in this folder.
    runs = {run.run_id[:7] for run in kore_only.instance.get_runs()}
    left = {
        path.name
        for path in set(target.iterdir()) - before
        if path.is_dir() and path.name.split("-")[1:2] and path.name.split("-")[1] in runs
    }
    assert runs and not left, f"the run left {left} in {target}"
