"""The Kore client secret and every JWT minted stay out of logs, run metadata and the warehouse."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from tests.conftest import DAY


def _warehouse_text(path: Path) -> str:
    """Every value of every table, as text."""
    chunks: list[str] = []
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE'"
        ).fetchall()
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


def test_secrets_appear_nowhere(warehouse, sandbox, caplog, capfd, monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)
    secret = sandbox.kore.client_secret
    # Faults make the client log retries and quarantine a body; a wrong-secret run adds an
    # authentication failure, so every path that writes text is exercised.
    sandbox.kore.faults.script("500", "429_retry_after_seconds", "truncated")
    assert warehouse.run(DAY) == []
    monkeypatch.setenv("KORE_CLIENT_SECRET", secret + "-rotated-wrong")
    assert warehouse.run(DAY) != []

    tokens = {t for t in sandbox.kore.tokens_seen if t}
    assert len(tokens) >= 2, "the sandbox saw the JWTs the clients sent (one per run)"
    captured = capfd.readouterr()
    haystacks = {
        "logs": caplog.text,
        "stdout/stderr": captured.out + captured.err,
        "dagster event log and run config": _dagster_text(warehouse.instance),
        "warehouse": _warehouse_text(warehouse.path),
        "analyst copy": _warehouse_text(warehouse.analytics_path),
    }
    assert "Kore rejected the credentials" in haystacks["dagster event log and run config"]
    assert "invalid JSON" in haystacks["warehouse"]
    for where, text in haystacks.items():
        assert secret not in text, f"client secret found in {where}"
        for token in tokens:
            assert token not in text, f"a JWT found in {where}"
