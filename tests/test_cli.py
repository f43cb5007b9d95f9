"""`qa-warehouse` as a user runs it: a real process, a real sandbox on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.lib.vendor import VendorConfigError, enabled_vendors
from pipeline.vendors import VENDORS

CLI = str(Path(sys.executable).parent / "qa-warehouse")


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KORE_", "QA_", "DAGSTER"))}
    # The command's own dbt target, never the one the test process parsed for its warehouse.
    env.update(
        QA_PARTITIONS_START="2026-01-01", QA_DBT_TARGET_PATH=str(tmp_path / "dbt-target"), **extra
    )
    return env


def test_demo_loads_builds_publishes_and_prints_a_summary(tmp_path: Path) -> None:
    result = subprocess.run(
        [CLI, "demo", "--days", "2"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "fct_interaction" in result.stdout and "Top 5 agents" in result.stdout
    analytics = tmp_path / "data" / "analytics.duckdb"
    with duckdb.connect(str(analytics), read_only=True) as conn:
        days = conn.execute(
            "select count(distinct cast(started_at as date)) from marts.fct_interaction "
            "where vendor = 'kore'"
        ).fetchone()[0]
        vendors = conn.execute("select distinct vendor from marts.fct_evaluation").fetchall()
    assert days == 2
    assert sorted(v for (v,) in vendors) == ["cqa", "evaluagent", "kore"]


def test_run_names_vendor_day_and_reason_on_failure(tmp_path: Path, sandbox) -> None:
    env = _clean_env(
        tmp_path,
        **sandbox.env(),
        QA_WAREHOUSE_PATH=str(tmp_path / "w.duckdb"),
        QA_ANALYTICS_PATH=str(tmp_path / "a.duckdb"),
    )
    env["KORE_CLIENT_SECRET"] = "not-the-right-secret"
    result = subprocess.run(
        [CLI, "run", "--start", "2026-03-23", "--end", "2026-03-24"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert "kore 2026-03-23" in result.stderr and "kore 2026-03-24" in result.stderr
    assert "rejected the credentials" in result.stderr
    assert "not-the-right-secret" not in result.stdout + result.stderr


def test_run_with_a_half_configured_vendor_names_the_missing_variable(tmp_path: Path) -> None:
    env = _clean_env(tmp_path, KORE_BASE_URL="http://127.0.0.1:9", KORE_STREAM_ID="st-1")
    result = subprocess.run(
        [CLI, "run", "--start", "2026-03-23", "--end", "2026-03-23"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "KORE_CLIENT_SECRET" in result.stderr and "half-configured" in result.stderr


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


def test_sandbox_command_serves_the_vendors_on_loopback(tmp_path: Path) -> None:
    import httpx

    process = subprocess.Popen(
        [CLI, "sandbox", "--port", "0"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("vendor sandbox on http://127.0.0.1:")
        url = first.split()[3].rstrip(";")
        response = httpx.get(f"{url}/evaluagent/v1/org/users", auth=("wrong", "credentials"))
        assert response.status_code == 401
        assert response.json()["errors"][0]["detail"].startswith("Unauthorized")
    finally:
        process.terminate()
        process.wait(timeout=30)
