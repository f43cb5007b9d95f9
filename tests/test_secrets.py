"""No credential reaches logs, the command line, run metadata or the warehouse, for any vendor,
even when the vendor echoes what it was sent in its error bodies and error pages."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

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


def _secrets(sandbox, env: dict[str, str]) -> dict[str, str]:
    """What must never show, by name: the configured secrets and what is built from them."""
    basic = f"{env['EVALUAGENT_ACCESS_KEY_ID']}:{env['EVALUAGENT_SECRET_KEY']}"
    found = {
        "KORE_CLIENT_SECRET": env["KORE_CLIENT_SECRET"],
        "EVALUAGENT_SECRET_KEY": env["EVALUAGENT_SECRET_KEY"],
        "EvaluAgent Basic header": base64.b64encode(basic.encode()).decode(),
        "CQA_API_KEY": env["CQA_API_KEY"],
        "VOXXI_API_TOKEN": env["VOXXI_API_TOKEN"],
        "EXOTEL_API_TOKEN": env["EXOTEL_API_TOKEN"],
        "EXOTEL_API_KEY": env["EXOTEL_API_KEY"],
        "EXOTEL_WEBHOOK_SECRET": env["EXOTEL_WEBHOOK_SECRET"],
        "Exotel Basic header": base64.b64encode(
            f"{env['EXOTEL_API_KEY']}:{env['EXOTEL_API_TOKEN']}".encode()
        ).decode(),
    }
    # The signatures of the callback URLs, made from the webhook secret.
    for number, request in enumerate(sandbox.exotel.requests):
        found[f"Exotel callback signature {number}"] = request["callback_url"].rsplit("/")[-1]
    for number, token in enumerate(t for t in sandbox.kore.tokens_seen if t):
        found[f"Kore JWT {number}"] = token
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
    for vendor in (sandbox.kore, sandbox.evaluagent, sandbox.cqa, sandbox.voxxi, sandbox.exotel):
        vendor.echo_credentials = True
    _exotel_call(Path(os.environ["EXOTEL_INBOX_PATH"]), "secretcall1")
    # Faults make the clients log retries and quarantine bodies, among them proxy pages that
    # echo the credential; wrong credentials then make every vendor answer 401 with it.
    sandbox.kore.faults.script("500", "429_retry_after_seconds", "truncated", "html_echo")
    sandbox.evaluagent.faults.script("html_echo")
    sandbox.cqa.faults.script("html_echo")
    assert warehouse.run(DAY) == []
    right = dict(os.environ)
    wrong = dict(right)
    for name in (
        "KORE_CLIENT_SECRET",
        "EVALUAGENT_SECRET_KEY",
        "CQA_API_KEY",
        "VOXXI_API_TOKEN",
        "EXOTEL_API_TOKEN",
    ):
        wrong[name] = right[name] + "-rotated-wrong"
        monkeypatch.setenv(name, wrong[name])
    _exotel_call(Path(os.environ["EXOTEL_INBOX_PATH"]), "secretcall2")
    failures = warehouse.run(DAY)
    assert {f.vendor for f in failures} >= {"kore", "evaluagent", "cqa", "voxxi", "exotel"}
    assert len(sandbox.exotel.requests) == 1, "the first call was asked about, with a signature"

    captured = capfd.readouterr()
    haystacks = {
        "logs": caplog.text,
        "stdout/stderr": captured.out + captured.err,
        "failures": "\n".join(map(str, failures)),
        "dagster event log and run config": _dagster_text(warehouse.instance),
        "warehouse": _warehouse_text(warehouse.path),
        "analyst copy": _warehouse_text(warehouse.analytics_path),
    }
    assert "Kore rejected the credentials" in haystacks["dagster event log and run config"]
    assert "Upstream error" in haystacks["warehouse"], "the echoing pages were quarantined"
    assert haystacks["warehouse"].count("***") >= 3, "with the credential masked"
    secrets = _secrets(sandbox, right)
    secrets.update({f"wrong {name}": value for name, value in _secrets(sandbox, wrong).items()})
    assert len([n for n in secrets if n.startswith("Kore JWT")]) >= 2
    _assert_nowhere(secrets, haystacks)


def _exotel_call(inbox: Path, call_sid: str) -> None:
    """A call in ExoVoiceAnalyze's inbox, so that the run sends a request with the key."""
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f"{call_sid}.ndjson").write_text(f'{{"call_sid": "{call_sid}"}}\n')


@pytest.mark.parametrize("vendor", ["kore", "evaluagent", "cqa", "voxxi", "exotel"])
def test_the_command_line_shows_no_echoed_credential(tmp_path, sandbox, warehouse, vendor) -> None:
    simulated = {
        "kore": sandbox.kore,
        "evaluagent": sandbox.evaluagent,
        "cqa": sandbox.cqa,
        "voxxi": sandbox.voxxi,
        "exotel": sandbox.exotel,
    }
    simulated[vendor].echo_credentials = True
    prefix = f"{vendor.upper()}_"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(VENDOR_PREFIXES)},
        **{k: v for k, v in sandbox.env().items() if k.startswith(prefix)},
        # The worker's warehouse and dbt target: the project is already parsed for them.
        "QA_WAREHOUSE_PATH": str(warehouse.path),
        "QA_ANALYTICS_PATH": str(warehouse.analytics_path),
        "QA_PARTITIONS_START": "2026-01-01",
        "QA_DBT_TARGET_PATH": os.environ["QA_DBT_TARGET_PATH"],
    }
    secret_name = {
        "kore": "KORE_CLIENT_SECRET",
        "evaluagent": "EVALUAGENT_SECRET_KEY",
        "cqa": "CQA_API_KEY",
        "voxxi": "VOXXI_API_TOKEN",
        "exotel": "EXOTEL_API_TOKEN",
    }[vendor]
    env[secret_name] = "wrong-" + env[secret_name]
    if vendor == "exotel":
        env["EXOTEL_INBOX_PATH"] = str(tmp_path / "exotel_inbox")
        _exotel_call(tmp_path / "exotel_inbox", "clicall1")
    result = subprocess.run(
        [CLI, "run", "--start", DAY.isoformat(), "--end", DAY.isoformat(), "--verbose"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert any(hint in result.stderr for hint in ("credentials", "API key", "EXOTEL_API_KEY")), (
        result.stderr[-2000:]
    )
    secrets = {secret_name: env[secret_name]}
    if vendor == "evaluagent":
        basic = f"{env['EVALUAGENT_ACCESS_KEY_ID']}:{env[secret_name]}"
        secrets["EvaluAgent Basic header"] = base64.b64encode(basic.encode()).decode()
    if vendor == "exotel":
        basic = f"{env['EXOTEL_API_KEY']}:{env[secret_name]}"
        secrets["Exotel Basic header"] = base64.b64encode(basic.encode()).decode()
        secrets["EXOTEL_WEBHOOK_SECRET"] = env["EXOTEL_WEBHOOK_SECRET"]
    if vendor == "kore":
        secrets.update({f"Kore JWT {n}": t for n, t in enumerate(sandbox.kore.tokens_seen) if t})
    _assert_nowhere(
        secrets,
        {
            "stdout/stderr": result.stdout + result.stderr,
            "warehouse": _warehouse_text(warehouse.path),
        },
    )
