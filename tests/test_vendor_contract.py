"""The vendor contract: each vendor is a plug-in of its own folder, the core names none, and
the Definitions build with any set of vendors."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from dagster import AssetKey

from pipeline.build import build_defs
from pipeline.lib.vendor import VendorConfigError
from pipeline.vendors import VENDOR_NAMES, VENDORS

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "pipeline"
# The core: what builds, runs and reports on any set of vendors.
CORE_FILES = ("build.py", "runner.py", "status.py", "receiver.py", "lib/settings.py")


def _vendor_env(sandbox_server, name: str) -> dict[str, str]:
    prefix = next(v for v in VENDORS if v.name == name).settings.env_prefix
    return {k: v for k, v in sandbox_server.env().items() if k.startswith(prefix)}


def _clear_vendor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    prefixes = tuple(vendor.settings.env_prefix for vendor in VENDORS)
    for name in list(os.environ):
        if name.startswith(prefixes):
            monkeypatch.delenv(name)


def _raw_vendors(defs) -> set[str]:
    graph = defs.resolve_asset_graph()
    return {
        key.path[1]
        for key in graph.materializable_asset_keys
        if key.path[0] == "raw" and len(key.path) == 3
    }


@pytest.mark.parametrize("name", VENDOR_NAMES)
def test_each_vendor_alone_builds_its_own_definitions(
    name: str, sandbox_server, monkeypatch: pytest.MonkeyPatch, warehouse_home: Path
) -> None:
    _clear_vendor_env(monkeypatch)
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(warehouse_home / "warehouse.duckdb"))
    for key, value in _vendor_env(sandbox_server, name).items():
        monkeypatch.setenv(key, value)
    vendor = next(v for v in VENDORS if v.name == name)
    defs = build_defs()
    assert _raw_vendors(defs) == {name}
    assert vendor.daily_job or vendor.once_job, "a vendor lands something"
    for job in (vendor.daily_job, vendor.once_job):
        if job:
            assert {s.job_name for s in defs.schedules} >= {job}, f"{job} has a schedule"
            defs.resolve_job_def(job)
    assert "build_and_publish_daily" in {s.name for s in defs.schedules}
    # The dbt models still read every vendor's raw tables (as unmaterialized sources).
    graph = defs.resolve_asset_graph()
    assert AssetKey(["marts", "fct_interaction"]) in graph.materializable_asset_keys


def test_every_vendor_together(vendor_env) -> None:
    defs = build_defs()
    assert _raw_vendors(defs) == set(VENDOR_NAMES)
    for vendor in VENDORS:
        for job in (vendor.daily_job, vendor.once_job):
            if job:
                defs.resolve_job_def(job)
        assert vendor.freshness is None or any(
            key.asset_key == vendor.freshness.asset_key and key.name == "freshness_check"
            for key in defs.resolve_asset_graph().asset_check_keys
        )
    defs.resolve_implicit_global_asset_job_def()


def test_no_vendor_configured_still_builds(
    monkeypatch: pytest.MonkeyPatch, warehouse_home: Path
) -> None:
    _clear_vendor_env(monkeypatch)
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(warehouse_home / "warehouse.duckdb"))
    defs = build_defs()
    assert _raw_vendors(defs) == set()
    defs.resolve_job_def("build_and_publish")


def test_configuration_errors_name_the_variable(
    sandbox_server, monkeypatch: pytest.MonkeyPatch, warehouse_home: Path
) -> None:
    _clear_vendor_env(monkeypatch)
    monkeypatch.setenv("QA_WAREHOUSE_PATH", str(warehouse_home / "warehouse.duckdb"))
    kore = _vendor_env(sandbox_server, "kore")
    for key, value in kore.items():
        if key != "KORE_ORG_ID":
            monkeypatch.setenv(key, value)
    with pytest.raises(VendorConfigError, match="KORE_ORG_ID"):
        build_defs()
    monkeypatch.setenv("KORE_ORG_ID", kore["KORE_ORG_ID"])
    monkeypatch.setenv("KORE_PAGE_SIZE", "700")
    with pytest.raises(VendorConfigError, match="KORE_PAGE_SIZE '700': Input should be less than"):
        build_defs()


def test_settings_never_show_a_secret_in_their_repr(sandbox_server, monkeypatch) -> None:
    for vendor in VENDORS:
        env = _vendor_env(sandbox_server, vendor.name)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = vendor.settings.from_env()
        secrets = [env[vendor.settings.variable(f)] for f in vendor.settings.secret_fields()]
        assert secrets, f"{vendor.name} declares no secret"
        plain = vendor.settings(
            **{k.removeprefix(vendor.settings.env_prefix).lower(): v for k, v in env.items()}
        )
        for text in (repr(settings), repr(plain), str(plain)):
            assert not any(secret in text for secret in secrets), text


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "pipeline":
                names.update(f"pipeline.{alias.name}" for alias in node.names)
    return names


def _vendor_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "pipeline" and parts[1] in VENDOR_NAMES:
        return parts[1]
    return None


def test_the_shared_library_imports_no_vendor() -> None:
    for path in (PIPELINE / "lib").rglob("*.py"):
        vendors = {_vendor_of(m) for m in _imports(path)} - {None}
        assert not vendors, f"{path.relative_to(ROOT)} imports {sorted(vendors)}"
        assert not any(m.startswith("qa_sandbox") for m in _imports(path)), path


def test_no_vendor_imports_another() -> None:
    for name in VENDOR_NAMES:
        for path in (PIPELINE / name).rglob("*.py"):
            others = {_vendor_of(m) for m in _imports(path)} - {None, name}
            assert not others, f"{path.relative_to(ROOT)} imports {sorted(others)}"


def test_the_core_names_no_vendor() -> None:
    pattern = re.compile(rf"\b({'|'.join(VENDOR_NAMES)})\b", re.IGNORECASE)
    for name in CORE_FILES:
        text = (PIPELINE / name).read_text()
        assert not pattern.search(text), f"pipeline/{name} names {pattern.search(text)[0]!r}"
