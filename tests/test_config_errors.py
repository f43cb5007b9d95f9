"""A wrong setting, whatever the command: one line on standard error naming the variable (and
its value, unless it is a secret), exit status 2, no traceback, no class name, and nothing
done. Each command runs as a user runs it, a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.vendors import VENDORS

CLI = str(Path(sys.executable).parent / "qa-warehouse")

# Every command that reads the environment, with arguments it would otherwise accept.
COMMANDS = {
    "demo": ["demo", "--days", "1"],
    "run": ["run", "--start", "2026-03-01", "--end", "2026-03-01"],
    "status": ["status"],
    "resubmit": ["resubmit", "--vendor", "voxxi"],
    "report": ["report"],
    "sql": ["sql", "select 1"],
    "docs": ["docs"],
    "dbt": ["dbt", "ls"],
    "receiver": ["receiver", "--port", "1"],
    "dev": ["dev", "--port", "1"],
    "quarantine list": ["quarantine", "list"],
    "quarantine replay": ["quarantine", "replay"],
}

KORE = {
    "KORE_BASE_URL": "http://127.0.0.1:9",
    "KORE_STREAM_ID": "st-1",
    "KORE_ACCOUNT_ID": "acc-1",
    "KORE_ORG_ID": "org-1",
    "KORE_CLIENT_ID": "cs-1",
    "KORE_CLIENT_SECRET": "kore-secret-value",
}

# (what is wrong, the environment, what the line must say)
BAD = {
    "warehouse value": ({**KORE, "QA_PARTITIONS_START": "yesterday"}, "QA_PARTITIONS_START"),
    "vendor choice": (
        {
            "EVALUAGENT_ACCESS_KEY_ID": "key-1",
            "EVALUAGENT_SECRET_KEY": "evaluagent-secret-value",
            "EVALUAGENT_REGION": "mars",
        },
        "EVALUAGENT_REGION 'mars'",
    ),
    "half-configured vendor": ({"KORE_BASE_URL": "http://127.0.0.1:9"}, "KORE_CLIENT_SECRET"),
    "vendor number": ({**KORE, "KORE_TIMEOUT_SECONDS": "-3"}, "KORE_TIMEOUT_SECONDS"),
}


def _env(tmp_path: Path, bad: dict[str, str]) -> dict[str, str]:
    prefixes = ("QA_", "DAGSTER", *(vendor.settings.env_prefix for vendor in VENDORS))
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        QA_WAREHOUSE_PATH=str(tmp_path / "data" / "warehouse.duckdb"),
        QA_ANALYTICS_PATH=str(tmp_path / "data" / "analytics.duckdb"),
        DAGSTER_HOME=str(tmp_path),
    )
    env.update(bad)
    return env


def _assert_one_clear_line(result: subprocess.CompletedProcess, names: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("qa-warehouse: ") and names in line, line
    for noise in ("Traceback", "Error:", "dagster._core", "ValidationError", "pydantic"):
        assert noise not in result.stderr + result.stdout, noise
    assert "secret-value" not in result.stderr + result.stdout


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_names_a_wrong_setting_in_one_line(tmp_path, command, kind) -> None:
    bad, names = BAD[kind]
    result = subprocess.run(
        [CLI, *COMMANDS[command]],
        cwd=tmp_path,
        env=_env(tmp_path, bad),
        capture_output=True,
        text=True,
        timeout=300,
    )
    _assert_one_clear_line(result, names)
    assert not (tmp_path / "data").exists(), "nothing was done"


def test_a_run_with_no_vendor_configured_says_what_to_set(tmp_path) -> None:
    result = subprocess.run(
        [CLI, *COMMANDS["run"]],
        cwd=tmp_path,
        env=_env(tmp_path, {}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    _assert_one_clear_line(result, "no vendor is configured")
    assert "KORE_BASE_URL" in result.stderr and "qa-warehouse demo" in result.stderr


def test_the_settings_command_still_shows_the_settings_when_one_is_wrong(tmp_path) -> None:
    bad, _ = BAD["warehouse value"]
    result = subprocess.run(
        [CLI, "settings"],
        cwd=tmp_path,
        env=_env(tmp_path, bad),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "yesterday" in result.stdout and "kore-secret-value" not in result.stdout
