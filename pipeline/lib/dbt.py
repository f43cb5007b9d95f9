"""The dbt project as Dagster assets, each dbt source mapped to its vendor's raw asset."""

import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from dagster import AssetExecutionContext, AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dbt.version import __version__ as dbt_core_version
from packaging import version

from pipeline.lib.conventions import OWNER
from pipeline.lib.raw_schema import Endpoint, ensure_raw_schema
from pipeline.lib.submit.ledger import ensure_ledger
from pipeline.lib.warehouse import WRITER_POOL, WarehouseResource

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

# Where dbt writes its manifest and run artifacts (`target/` of the project unless
# QA_DBT_TARGET_PATH says otherwise: processes that must not share one, such as parallel
# test workers, each get their own).
dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=Path(os.environ.get("QA_DBT_TARGET_PATH", "target")),
)

# The dbt installed beside this interpreter, so a venv works without being activated.
_BESIDE = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_BESIDE) if _BESIDE.exists() else (shutil.which("dbt") or "dbt")


_SOURCE_FILES = (
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests",
    "dbt_project.yml",
    "profiles.yml",
)
# Beside the manifest: the warehouse it was parsed for. dbt's saved parse state includes the
# profile's connection (the warehouse path); dagster-dbt hands that state to every dbt step,
# and a step whose warehouse differs parses the whole project again (seconds each, silently).
_PARSED_FOR = "qa_parsed_for.json"


def _warehouse_for_dbt() -> str | None:
    # What profiles.yml reads; None means its own default.
    return os.environ.get("QA_WAREHOUSE_PATH")


def _parsed_for(project: DbtProject) -> Path:
    return Path(project.manifest_path).with_name(_PARSED_FOR)


def vars_arguments(dbt_vars: Mapping[str, Any]) -> list[str]:
    """`--vars` as every dbt command of the project passes it: the registry's vendors (see
    `vendor.dbt_vars`); JSON with sorted keys, so that a parse's state is reused by builds."""
    return ["--vars", json.dumps(dict(dbt_vars), sort_keys=True)]


def _parsed_state(dbt_vars: Mapping[str, Any]) -> dict[str, Any]:
    return {"warehouse_path": _warehouse_for_dbt(), "vars": dict(dbt_vars)}


def manifest_is_stale(dbt_vars: Mapping[str, Any], project: DbtProject = dbt_project) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    try:
        parsed_for = json.loads(_parsed_for(project).read_text())
    except (OSError, ValueError):
        return True
    if parsed_for != json.loads(json.dumps(_parsed_state(dbt_vars))):
        return True
    built = manifest.stat().st_mtime
    for name in _SOURCE_FILES:
        root = Path(project.project_dir) / name
        paths = [root] if root.is_file() else root.rglob("*")
        if any(p.is_file() and p.stat().st_mtime > built for p in paths):
            return True
    return False


def ensure_manifest(dbt_vars: Mapping[str, Any], project: DbtProject = dbt_project) -> None:
    """`dbt parse` when the manifest is missing, older than the project's files, or parsed for
    another warehouse or other vendors."""
    if manifest_is_stale(dbt_vars, project):
        state = _parsed_state(dbt_vars)
        dbt_cli(project).cli(
            ["parse", "--quiet", *vars_arguments(dbt_vars)], target_path=project.target_path
        ).wait()
        _parsed_for(project).write_text(json.dumps(state))


def dbt_command(*args: str, target: Path, dbt_vars: Mapping[str, Any]) -> list[str]:
    """The argv of a dbt command run outside Dagster (docs, an analyst's build) on this
    project, writing into `target`, with the registry's vendors. A `--vars` among `args` (an
    analyst's `{using_kore: false}`) is merged into them: dbt takes one `--vars`."""
    rest: list[str] = []
    merged = dict(dbt_vars)
    arguments = iter(args)
    for argument in arguments:
        if argument == "--vars":
            given = yaml.safe_load(next(arguments, "") or "{}")
            if not isinstance(given, dict):
                raise ValueError(f"--vars takes a YAML or JSON object, not {given!r}")
            merged.update(given)
        else:
            rest.append(argument)
    return [
        DBT_EXECUTABLE,
        *rest,
        *vars_arguments(merged),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
    ]


class QaDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs every build paid and this project never uses
    (about 3 s of CPU a build, a fifth of it: bench/README.md):
    - `dbt --version` in a subprocess, to learn the version of the dbt it runs: the dbt beside
      this interpreter is the dbt-core imported here;
    - a dbt adapter opened in Dagster's own process, which only `fetch_column_metadata` and
      `fetch_row_counts` use (column types come from the build's own log instead:
      macros/log_column_types.sql)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if self.dbt_executable == str(_BESIDE):
            return version.parse(dbt_core_version)
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_cli(project: DbtProject = dbt_project) -> DbtCliResource:
    return QaDbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)


# Model folders that are not a vendor's: everything else under staging/ and intermediate/ is.
SHARED_FOLDERS = frozenset({"landing", "unioned", "history"})


class QaDbtTranslator(DagsterDbtTranslator):
    """Sources become the vendors' raw assets; models are grouped by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(["raw", dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return [OWNER]

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        """dbt's own tags, plus the layer (and the vendor of a vendor's folder)."""
        tags = dict(super().get_tags(dbt_resource_props))
        fqn = dbt_resource_props.get("fqn", [])
        kind = dbt_resource_props["resource_type"]
        tags["layer"] = {"seed": "seeds", "snapshot": "snapshots"}.get(
            kind, fqn[1] if len(fqn) > 2 else "dbt"
        )
        if kind == "model" and len(fqn) > 3 and fqn[2] not in SHARED_FOLDERS:
            tags["vendor"] = fqn[2]
        return tags

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        if dbt_resource_props["resource_type"] == "source":
            # A raw table no enabled vendor asset writes (the vendor off, or the landing's own).
            return (
                dbt_resource_props.get("description")
                or dbt_resource_props.get("source_description")
                or f"raw.{dbt_resource_props['identifier']}"
            )
        # The YAML's description alone: dagster-dbt's default appends the raw SQL, which
        # buries what a model is for under its code (the code is in the asset's metadata).
        return dbt_resource_props.get("description") or (
            f"dbt {dbt_resource_props['resource_type']} {dbt_resource_props['name']}"
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "source":
            return dbt_resource_props["source_name"]
        kind = dbt_resource_props["resource_type"]
        if kind in ("seed", "snapshot"):
            return f"{kind}s"
        return fqn[1] if len(fqn) > 2 else "dbt"


def build_dbt_assets(endpoints: Iterable[Endpoint], dbt_vars: Mapping[str, Any]):
    """The dbt project as assets; `endpoints` are every raw table its sources read, `dbt_vars`
    the registry's vendors (`vendor.dbt_vars`)."""
    ensure_manifest(dbt_vars)
    endpoints = tuple(endpoints)

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        dagster_dbt_translator=QaDbtTranslator(),
        pool=WRITER_POOL,
    )
    def qa_dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, duckdb: WarehouseResource
    ) -> Iterator[Any]:
        # A vendor that never ran still needs its (empty) raw tables for staging to build.
        # dbt opens the file in its own process: the whole build holds the warehouse lock.
        with duckdb.exclusive():
            with duckdb.get_connection() as conn:
                ensure_raw_schema(conn, endpoints)
                ensure_ledger(conn)
            # Unit tests check the models' SQL, not the data: they run in the test suite
            # (tests/test_dbt_unit_tests.py), not in every scheduled build.
            # No debug log file: dagster-dbt keeps dbt's JSON events in the run's compute
            # logs; the file held every SQL statement again, for 7% of the build's CPU.
            invocation = dbt.cli(
                [
                    "build",
                    "--exclude-resource-type",
                    "unit_test",
                    "--log-level-file",
                    "none",
                    *vars_arguments(dbt_vars),
                ],
                target_path=run_target_path(context.run_id),
                context=context,
            )
            yield from invocation.stream()
        # dagster-dbt gives each run a target directory of its own (manifest, compiled SQL,
        # logs: about 8 MB) and leaves it there: a daily deployment and its backfills would
        # pile up gigabytes. A build that failed never gets here and keeps its directory
        # for inspection.
        shutil.rmtree(invocation.target_path, ignore_errors=True)

    return qa_dbt_models


def run_target_path(run_id: str, project: DbtProject = dbt_project) -> Path:
    """A target directory of the run's own (its compiled SQL, run results and logs), holding a
    copy of the prepared manifest's partial-parse state so that dbt does not parse the whole
    project again for every run. dagster-dbt copies it only from `DBT_TARGET_PATH`; the
    project's target is configured elsewhere (`QA_DBT_TARGET_PATH`). dbt still parses again
    whatever changed since (a file, a variable, the profile)."""
    prepared = Path(project.project_dir) / project.target_path
    # Named as dagster-dbt names its own, beside the prepared manifest.
    target = prepared / f"qa_dbt_models-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    target.mkdir(parents=True)
    state = prepared / "partial_parse.msgpack"
    if state.exists():
        shutil.copy(state, target / state.name)
    return target


def source_specs(exclude: Iterable[AssetKey]) -> list[AssetSpec]:
    """The raw tables dbt reads that no asset here writes (a vendor switched off, the load
    log), described as external assets rather than left as bare keys in group `default`."""
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    translator = QaDbtTranslator()
    skip = set(exclude)
    specs: dict[AssetKey, AssetSpec] = {}
    for props in manifest["sources"].values():
        key = translator.get_asset_key(props)
        if key in skip or key in specs:
            continue
        specs[key] = AssetSpec(
            key,
            description=translator.get_description(props),
            group_name=translator.get_group_name(props),
            owners=[OWNER],
            tags={"layer": "raw", "vendor": props["source_name"]}
            if props["source_name"] != "landing"
            else {"layer": "raw"},
            kinds={"duckdb"},
        )
    return list(specs.values())
