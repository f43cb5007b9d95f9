"""No credential reaches logs, the command line, run metadata or the warehouse, for any vendor,
even when the vendor echoes what it was sent in its error bodies and error pages."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipeline.lib.vendor import PULL
from pipeline.vendors import VENDOR_NAMES, VENDORS
from tests.conftest import DAY, VENDOR_PREFIXES

CLI = str(Path(sys.executable).with_name("qa-warehouse"))


def _warehouse_text(path: Path) -> str:
    """Every value of every table, as text."""
    chunks: list[str] = []
    if not path.exists():
        return ""
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = conn.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        for schema, table in tables:
            for row in conn.execute(f'select * from "{schema}"."{table}"').fetchall():
                chunks.append(repr(row))
    return "\n".join(chunks)


def _dagster_text(instance) -> str:
    chunks: list[str] = []
    for run in instance.get_runs():
        chunks.append(repr(run.run_config))
        chunks.extend(repr(entry) for entry in instance.all_logs(run.run_id))
    return "\n".join(chunks)


def _secret_variables(vendors=VENDORS) -> list[str]:
    """Every credential variable of the registry's vendors (their settings' `secret` fields)."""
    return [v.settings.variable(name) for v in vendors for name in v.settings.secret_fields()]


def _secrets(sandbox, env: dict[str, str]) -> dict[str, str]:
    """What must never show, by name: the configured secrets, and every credential a
    simulated vendor was sent (keys, Basic headers, tokens minted from them, the signatures of
    callback URLs)."""
    found = {name: env[name] for name in _secret_variables() if env.get(name)}
    for simulator in sandbox.vendors:
        for number, credential in enumerate(sorted(simulator.credentials_seen)):
            if len(credential) >= 8:
                found[f"{simulator.name} credential seen {number}"] = credential
    return found


def _assert_nowhere(secrets: dict[str, str], haystacks: dict[str, str]) -> None:
    for where, text in haystacks.items():
        for name, secret in secrets.items():
            assert secret not in text, f"{name} found in {where}"
            # Nor a part of it long enough to mean something (a cut through the middle).
            assert secret[: len(secret) // 2] not in text, f"part of {name} found in {where}"


def test_secrets_appear_nowhere_even_when_vendors_echo_them(
    warehouse, sandbox, caplog, capfd, monkeypatch
) -> None:
    caplog.set_level(logging.DEBUG)
    for simulator in sandbox.vendors:
        simulator.echo_credentials = True
    # Calls to submit, for the vendors we submit to: their requests carry the keys too.
    for name, value in sandbox.demo_inboxes(warehouse.path.parent / "inboxes", [DAY]).items():
        monkeypatch.setenv(name, value)
    # Faults make the clients log retries and quarantine bodies, among them proxy pages that
    # echo the credential; wrong credentials then make every vendor answer 401 with it.
    for vendor in VENDORS:
        if PULL in vendor.shapes:
            sandbox.simulators[vendor.name].faults.script(
                "500", "429_retry_after_seconds", "truncated", "html_echo"
            )
    assert warehouse.run(DAY) == []
    right = dict(os.environ)
    wrong = dict(right)
    for name in _secret_variables():
        wrong[name] = right[name] + "-rotated-wrong"
        monkeypatch.setenv(name, wrong[name])
    # The next day's calls: new rows, each sent with the wrong key.
    later = sandbox.demo_inboxes(warehouse.path.parent / "inboxes-2", [DAY + timedelta(days=1)])
    for name, value in later.items():
        monkeypatch.setenv(name, value)
    failures = warehouse.run(DAY)
    assert {f.vendor for f in failures} >= {v.name for v in VENDORS}

    captured = capfd.readouterr()
    haystacks = {
        "logs": caplog.text,
        "stdout/stderr": captured.out + captured.err,
        "failures": "\n".join(map(str, failures)),
        "dagster event log and run config": _dagster_text(warehouse.instance),
        "warehouse": _warehouse_text(warehouse.path),
        "analyst copy": _warehouse_text(warehouse.analytics_path),
    }
    assert "rejected the credentials" in haystacks["dagster event log and run config"]
    assert "Upstream error" in haystacks["warehouse"], "the echoing pages were quarantined"
    assert haystacks["warehouse"].count("***") >= 3, "with the credential masked"
    secrets = _secrets(sandbox, right)
    secrets.update({f"wrong {name}": value for name, value in _secrets(sandbox, wrong).items()})
    for simulator in sandbox.vendors:
        assert simulator.credentials_seen, f"{simulator.name} was sent no credential to look for"
    _assert_nowhere(secrets, haystacks)


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
def test_the_command_line_shows_no_echoed_credential(tmp_path, sandbox, warehouse, vendor) -> None:
    registered = next(v for v in VENDORS if v.name == vendor)
    simulated = sandbox.simulators[vendor]
    simulated.echo_credentials = True
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(VENDOR_PREFIXES)},
        **{k: v for k, v in sandbox.env().items() if k.startswith(registered.settings.env_prefix)},
        # The worker's warehouse and dbt target: the project is already parsed for them.
        "QA_WAREHOUSE_PATH": str(warehouse.path),
        "QA_ANALYTICS_PATH": str(warehouse.analytics_path),
        "QA_PARTITIONS_START": "2026-01-01",
        "QA_DBT_TARGET_PATH": os.environ["QA_DBT_TARGET_PATH"],
        # Calls to submit, for a vendor we submit to: its request carries the key.
        **sandbox.demo_inboxes(tmp_path / "inboxes", [DAY]),
    }
    variables = _secret_variables([registered])
    for name in variables:
        env[name] = "wrong-" + env[name]
    result = subprocess.run(
        [CLI, "run", "--start", DAY.isoformat(), "--end", DAY.isoformat(), "--verbose"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert "credentials" in result.stderr or any(v in result.stderr for v in variables), (
        result.stderr[-2000:]
    )
    secrets = {name: env[name] for name in variables}
    secrets.update(
        {f"credential seen {n}": c for n, c in enumerate(simulated.credentials_seen) if len(c) >= 8}
    )
    assert len(secrets) > len(variables), "what the vendor was sent is looked for too"
    _assert_nowhere(
        secrets,
        {
            "stdout/stderr": result.stdout + result.stderr,
            "warehouse": _warehouse_text(warehouse.path),
        },
    )
