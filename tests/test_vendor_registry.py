"""The registry (pipeline/vendors.py) is the one list of vendors: the vendor folders, the
sandbox's simulators, dbt's variables and models, and the contracts between the layers all
agree with it."""

import json
from pathlib import Path

import pytest
from qa_sandbox.simulator import discover

from pipeline.lib.vendor import PULL, RECEIVE, SUBMIT, dbt_vars
from pipeline.vendors import VENDOR_NAMES, VENDORS

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "dbt_project" / "models"
# The folders of dbt's layers that belong to no vendor.
SHARED_MODEL_FOLDERS = {"landing", "unioned", "history"}
LOAD_KEY = {"loaded_window_start", "loaded_run_id"}
# Each entity a vendor's intermediate models may have, the unioned model that stacks it, and
# which vendors have it.
ENTITIES = {
    "interactions": ("int_interactions__unioned", lambda vendor: True),
    "agent_identities": ("int_agents__vendor_identities", lambda vendor: True),
    "evaluations": ("int_evaluations__unioned", lambda vendor: vendor.scores),
    "kpi_scores": ("int_kpi_scores__unioned", lambda vendor: vendor.scores),
    "audits": ("int_audits__unioned", lambda vendor: vendor.scores),
    "insights": ("int_insights__unioned", lambda vendor: vendor.insights),
    "agent_listing": ("int_agents__listed", lambda vendor: vendor.lists_agents),
    "score_pairs": ("int_score_pairs__unioned", lambda vendor: vendor.calibrates),
    "kpi_pairs": ("int_kpi_pairs__unioned", lambda vendor: vendor.calibrates),
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    from pipeline.lib.dbt import dbt_project

    return json.loads(Path(dbt_project.manifest_path).read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def _contract(node: dict) -> dict[str, str]:
    return {name: column["data_type"] for name, column in node["columns"].items()}


def test_every_vendor_folder_is_registered_and_every_registered_vendor_has_one() -> None:
    folders = {
        path.parent.name
        for path in (ROOT / "pipeline").glob("*/__init__.py")
        if "VENDOR = Vendor(" in path.read_text()
    }
    assert folders == set(VENDOR_NAMES)
    for vendor in VENDORS:
        assert vendor.settings.env_prefix == f"{vendor.name.upper()}_"
        assert all(endpoint.vendor == vendor.name for endpoint in vendor.endpoints)
        assert set(vendor.shapes) <= {PULL, SUBMIT, RECEIVE} and vendor.shapes


def test_every_vendor_has_a_simulator_and_every_simulator_a_vendor() -> None:
    assert sorted(simulator.name for simulator in discover()) == sorted(VENDOR_NAMES)


def test_every_vendor_has_its_dbt_folders_and_no_folder_is_nobodys() -> None:
    for layer in ("staging", "intermediate"):
        folders = {path.name for path in (MODELS / layer).iterdir() if path.is_dir()}
        assert folders - SHARED_MODEL_FOLDERS == set(VENDOR_NAMES), layer


def test_dbt_is_given_the_registry_and_names_no_vendor_itself() -> None:
    given = dbt_vars(VENDORS)
    assert given["vendors"] == list(VENDOR_NAMES)
    assert given["scoring_vendors"] == [v.name for v in VENDORS if v.scores]
    assert given["insight_vendors"] == [v.name for v in VENDORS if v.insights]
    assert given["incremental_vendors"] == [v.name for v in VENDORS if v.incremental]
    assert given["revisable_vendors"] == [v.name for v in VENDORS if v.revises]
    assert given["listing_vendors"] == [v.name for v in VENDORS if v.lists_agents]
    assert given["calibrating_vendors"] == [v.name for v in VENDORS if v.calibrates]
    project = (ROOT / "dbt_project" / "dbt_project.yml").read_text()
    assert not [name for name in VENDOR_NAMES if f"- {name}" in project or f"'{name}'" in project]


def test_the_manifest_was_parsed_with_the_registry(manifest) -> None:
    sources = {node["source_name"] for node in manifest["sources"].values()}
    assert sources >= set(VENDOR_NAMES)
    for vendor in VENDORS:
        identifiers = {
            node["identifier"]
            for node in manifest["sources"].values()
            if node["source_name"] == vendor.name
        }
        landed = {endpoint.table.removeprefix("raw.") for endpoint in vendor.endpoints}
        assert landed <= identifiers | {"submissions"}, vendor.name


@pytest.mark.parametrize("vendor", VENDORS, ids=VENDOR_NAMES)
def test_each_vendor_model_stacked_by_a_unioned_model_has_its_contract(manifest, vendor) -> None:
    """Every `int_<vendor>__<entity>` that a unioned model stacks enforces the unioned model's
    columns and types (the load key only for a vendor kept per load), so a vendor whose
    columns break fails at its own model; a vendor has exactly the entities the registry
    says it has."""
    models = _models(manifest)
    for entity, (unioned, has) in ENTITIES.items():
        name = f"int_{vendor.name}__{entity}"
        if not has(vendor):
            assert name not in models, f"{name} exists but the registry says it is not stacked"
            continue
        assert name in models, f"{name} is missing"
        node = models[name]
        assert node["config"]["contract"]["enforced"], f"{name} has no enforced contract"
        canonical = _contract(models[unioned])
        assert canonical and models[unioned]["config"]["contract"]["enforced"]
        expected = {
            column: data_type
            for column, data_type in canonical.items()
            if column not in LOAD_KEY or vendor.incremental
        }
        assert _contract(node) == expected, name
    if vendor.incremental:
        assert f"int_{vendor.name}__loaded_records" in models
