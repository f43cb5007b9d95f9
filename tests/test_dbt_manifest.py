"""dbt's files around Dagster: the manifest is parsed for the warehouse the runs use, so that
every dbt step parses only what changed, and a run does not leave its own target behind."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from dagster_dbt import DbtProject

from pipeline.lib.dbt import (
    DBT_EXECUTABLE,
    dbt_project,
    ensure_manifest,
    manifest_is_stale,
    vars_arguments,
)
from tests.conftest import DBT_VARS


def _dbt_parse_output(project: DbtProject = dbt_project) -> str:
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
            str(Path(project.manifest_path).parent),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_manifest_parsed_for_another_warehouse_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_home: Path
) -> None:
    # A target of the test's own, starting as a copy of the worker's parse (for the worker's
    # warehouse): the worker's own stays parsed for the tests after this one.
    prepared = Path(dbt_project.manifest_path).parent
    target = tmp_path / "target"
    shutil.copytree(prepared, target, ignore=shutil.ignore_patterns("qa_dbt_models-*"))
    project = DbtProject(
        project_dir=dbt_project.project_dir,
        profiles_dir=dbt_project.profiles_dir,
        target_path=target,
    )
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(warehouse_home / "warehouse.duckdb"))
    assert not manifest_is_stale(DBT_VARS, project)

    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(tmp_path / "another.duckdb"))
    assert manifest_is_stale(DBT_VARS, project), "dbt's saved parse state names the first"
    ensure_manifest(DBT_VARS, project)
    assert not manifest_is_stale(DBT_VARS, project)
    # What a Dagster dbt step then does with the saved state: dbt parses only what changed.
    output = _dbt_parse_output(project)
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


def test_dbt_assets_read_as_their_yaml_says_with_their_columns_typed(kore_only) -> None:
    """In the UI a dbt asset's description is its YAML's (no SQL pasted in), snapshots and
    seeds have groups of their own, every asset has the team as owner and its layer as a tag,
    and a built model's Columns table has DuckDB's types beside the YAML's descriptions."""
    from dagster import AssetKey

    from pipeline.build import build_defs
    from pipeline.lib.conventions import OWNER

    defs = build_defs()
    graph = defs.resolve_asset_graph()
    interaction = AssetKey(["marts", "fct_interaction"])
    snapshot = AssetKey(["snapshots", "snap_agent_listing"])
    seed = AssetKey(["seeds", "agent_identity_overrides"])
    node = graph.get(interaction)
    assert node.description and "select" not in node.description.lower(), node.description
    assert graph.get(snapshot).group_name == "snapshots"
    assert graph.get(seed).group_name == "seeds"
    assert node.owners == [OWNER] and node.tags.get("layer") == "marts"
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert "dbt" not in groups and "default" not in groups, groups
    # dbt's docs site (`make docs`) shows a node's owner from its group, and its tags.
    import json

    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    assert manifest["groups"]["group.qa_warehouse.qa_data"]["owner"]["name"] == OWNER
    built = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "snapshot", "seed")
    ]
    assert all(node["group"] == "qa_data" and node["tags"] for node in built)

    assert kore_only.run() == []
    event = kore_only.instance.get_latest_materialization_event(interaction)
    assert event is not None
    schema = event.asset_materialization.metadata["dagster/column_schema"].value
    types = {column.name: column.type for column in schema.columns}
    assert types["started_at"] == "TIMESTAMP" and types["vendor"] == "VARCHAR", types
    assert "?" not in types.values(), types
    described = {column.name: column.description for column in schema.columns}
    assert described["vendor"], "the YAML's description stays beside the type"
    # Every kind of node the build makes has its Columns table: a view, a snapshot, a seed
    # (each materialization's `persist_docs` logs the types it looked up).
    for key in (AssetKey(["intermediate", "int_interactions__unioned"]), snapshot, seed):
        event = kore_only.instance.get_latest_materialization_event(key)
        assert event is not None, key
        columns = event.asset_materialization.metadata["dagster/column_schema"].value.columns
        assert columns and all(column.type and column.type != "?" for column in columns), key


def test_a_view_replaces_a_relation_of_its_name_and_keeps_its_comments(warehouse, tmp_path) -> None:
    """The project's views are made in one `create or replace view`
    (macros/view_materialization.sql): a table left under a view's name (a model that was a
    table once) is dropped first, a view made again keeps the YAML's comments, and the
    comments come from one statement per relation (macros/persist_docs.sql)."""
    import duckdb

    from pipeline.lib.raw_schema import ensure_raw_schema
    from pipeline.lib.submit.ledger import ensure_ledger
    from pipeline.vendors import VENDORS

    with duckdb.connect(str(warehouse.path)) as conn:
        ensure_raw_schema(conn, [e for vendor in VENDORS for e in vendor.endpoints])
        ensure_ledger(conn)
        conn.execute("create schema staging")
        conn.execute("create table staging.stg_voxxi__agents as select 1 as left_over")
    model = "stg_voxxi__agents"
    for attempt in ("over a table", "over its own view"):
        done = warehouse.dbt(tmp_path / "target", "run", "--select", f"+{model}")
        assert done.returncode == 0, (attempt, done.stdout[-3000:])
        assert warehouse.query(
            "select table_type from information_schema.tables "
            "where table_schema = 'staging' and table_name = ?",
            [model],
        ) == [("VIEW",)], attempt
        columns = dict(
            warehouse.query(
                "select column_name, comment from duckdb_columns() "
                "where schema_name = 'staging' and table_name = ?",
                [model],
            )
        )
        assert "left_over" not in columns and columns["agent_id"], (attempt, columns)
        assert warehouse.scalar(
            "select comment from duckdb_views() where schema_name = 'staging' and view_name = ?",
            [model],
        ), attempt
