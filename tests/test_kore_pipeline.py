"""Kore end to end over real HTTP: sandbox -> client -> raw landing -> dbt -> marts -> publish."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest
from dagster import AssetKey
from qa_sandbox.kore import render

from tests.conftest import DAY, Warehouse, kept_copy, run_once

MART_KEYS = {
    "dim_agent": "agent_id",
    "bridge_agent_vendor": "vendor || vendor_agent_id",
    "fct_interaction": "interaction_id",
    "fct_evaluation": "evaluation_id",
    "fct_kpi_score": "kpi_score_id",
    "fct_audit": "audit_id",
    "agent_daily_scorecard": "agent_id || date || vendor",
}


def snapshot(warehouse) -> dict[str, object]:
    """Row counts and keys of raw and of every mart."""
    snap: dict[str, object] = {
        "raw_rows": warehouse.scalar("select count(*) from raw.kore__rawdata"),
        "raw_records": warehouse.scalar("select count(*) from staging.base_kore__rawdata_records"),
    }
    for mart, key in MART_KEYS.items():
        snap[mart] = sorted(r[0] for r in warehouse.query(f"select {key} from marts.{mart}"))
    return snap


DAYS = [DAY, DAY + timedelta(days=1)]


@pytest.fixture(scope="module")
def two_days(warehouse_home: Path, sandbox_server, tmp_path_factory) -> Warehouse:
    """Two days of Kore landed and built once, for the tests that only read what came of them."""
    with run_once(warehouse_home, sandbox_server, only="KORE_") as warehouse:
        assert warehouse.run(DAYS[0], DAYS[-1]) == []
        return kept_copy(warehouse, tmp_path_factory.mktemp("kore-two-days"))


def _truth(sandbox) -> list:
    return [
        c for day in DAYS for c in sandbox.kore.conversations(day, include_below_threshold=False)
    ]


def test_every_conversation_of_a_window_lands_exactly_once(two_days, sandbox) -> None:
    warehouse = two_days
    days = DAYS
    truth = _truth(sandbox)
    assert {c.dialect for c in truth} == {"camel", "title", "legacy"}, "sandbox must mix dialects"

    landed = warehouse.query(
        "select vendor_interaction_id from marts.fct_interaction where vendor = 'kore'"
    )
    assert sorted(r[0] for r in landed) == sorted(c.conversation_id for c in truth)
    per_day_pages = sum(
        math.ceil(len(sandbox.kore.conversations(d, include_below_threshold=False)) / 7)
        for d in days
    )
    # One raw row per record, each beside its page's number and envelope.
    assert warehouse.scalar("select count(*) from raw.kore__rawdata") == len(truth)
    assert (
        warehouse.scalar(
            "select count(distinct (window_start, page_number)) from raw.kore__rawdata"
        )
        == per_day_pages
    )
    assert (
        warehouse.scalar(
            "select count(*) from raw.kore__rawdata "
            "where page_envelope ->> '$.totalResults' is null"
        )
        == 0
    )
    # Every dialect's fields arrive: start time, duration and agent on every interaction.
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_interaction "
            "where started_at is null or duration_seconds is null or agent_id is null"
        )
        == 0
    )


def test_marts_carry_each_kore_quirk(two_days, sandbox) -> None:
    warehouse = two_days
    truth = {c.conversation_id: c for c in _truth(sandbox)}

    evaluations = dict(
        warehouse.query(
            "select vendor_evaluation_id, score from marts.fct_evaluation where vendor = 'kore'"
        )
    )
    na_ids = [cid for cid, c in truth.items() if c.score == "NA"]
    assert na_ids, "the sandbox days should contain an NA score"
    for cid in na_ids:
        assert evaluations[cid] is None
    for cid, conv in truth.items():
        if conv.score not in ("NA", None):
            assert evaluations[cid] == pytest.approx(float(conv.score))

    # One KPI row per metric, keyed on the metric name where the legacy dialect has no id.
    assert warehouse.scalar("select count(*) from marts.fct_kpi_score") == 4 * len(truth)
    legacy = [cid for cid, c in truth.items() if c.dialect == "legacy"]
    name_keyed = warehouse.query(
        "select count(*) from marts.fct_kpi_score where vendor_kpi_key like 'name:%'"
    )[0][0]
    assert name_keyed == 4 * len(legacy)
    # "-" (manual metric) and "NA" answers are not scored: NULL, never 0.
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_kpi_score where answer = 'na' and score is not null"
        )
        == 0
    )

    # Several agents in one conversation, and two different people both named John Doe.
    assert warehouse.scalar(
        "select count(*) from marts.dim_agent where display_name = 'John Doe'"
    ) == len({p.key for c in truth.values() for p in c.agents if p.name == "John Doe"})
    audited = [cid for cid, c in truth.items() if c.audit_status == "Audited"]
    assert sorted(
        r[0]
        for r in warehouse.query(
            "select vendor_audit_id from marts.fct_audit where audit_status = 'audited'"
        )
    ) == sorted(audited)
    assert warehouse.scalar(
        "select count(*) from marts.fct_audit where audit_status = 'not_assigned'"
    ) == sum(c.audit_status == "Not Assigned" for c in truth.values())


def test_below_threshold_contacts_only_when_asked(kore_only, sandbox, monkeypatch) -> None:
    warehouse = kore_only
    monkeypatch.setenv("KORE_INCLUDE_BELOW_THRESHOLD", "true")
    everything = sandbox.kore.conversations(DAY, include_below_threshold=True)
    below = [c.conversation_id for c in everything if c.below_threshold]
    assert below
    assert warehouse.run() == []
    assert warehouse.scalar("select count(*) from marts.fct_interaction") == len(everything)
    # Below-threshold contacts were never evaluated by Kore: no evaluation row for them.
    evaluated = {
        r[0] for r in warehouse.query("select vendor_evaluation_id from marts.fct_evaluation")
    }
    assert evaluated.isdisjoint(below)


def test_rerunning_a_window_changes_nothing(kore_only) -> None:
    warehouse = kore_only
    assert warehouse.run() == []
    first = snapshot(kore_only)
    assert warehouse.run() == []
    assert snapshot(kore_only) == first
    assert warehouse.scalar("select count(distinct run_id) from raw.kore__rawdata") == 1
    assert warehouse.scalar("select count(*) from raw.load_log where status = 'success'") == 2, (
        "each run is logged, only the last one's rows are kept"
    )


def test_429_with_retry_after_is_waited_out_and_5xx_retried(kore_only, sandbox) -> None:
    warehouse = kore_only
    sandbox.kore.faults.script(
        "429_retry_after_seconds", "429_retry_after_date", "500", "502", "503", "timeout"
    )
    # What this is about lands or not before any model reads it: no build.
    assert warehouse.land() == []
    assert sum(sandbox.kore.faults.injected.values()) == 6
    assert warehouse.scalar("select retries from raw.load_log where status = 'success'") == 6
    expected = len(sandbox.kore.conversations(DAY, include_below_threshold=False))
    assert warehouse.scalar("select count(*) from raw.kore__rawdata") == expected

    record = warehouse.instance.fetch_materializations(
        AssetKey(["raw", "kore", "rawdata"]), limit=1
    ).records[0]
    metadata = record.asset_materialization.metadata
    assert metadata["retries"].value == 6
    assert metadata["rate_limited"].value == 2
    assert metadata["dagster/row_count"].value == expected


def test_truncated_page_is_quarantined_with_its_reason(kore_only, sandbox) -> None:
    warehouse = kore_only
    sandbox.kore.faults.script("truncated")
    assert warehouse.land() == []
    rows = warehouse.query("select reason, body from raw.quarantine")
    assert len(rows) == 1
    reason, body = rows[0]
    assert "rawdata page 1 of 2026-03-23" in reason and "invalid JSON" in reason
    assert body.startswith('{"results"'), "the bad body is kept as received"
    record = warehouse.instance.fetch_materializations(
        AssetKey(["raw", "kore", "rawdata"]), limit=1
    ).records[0]
    assert record.asset_materialization.metadata["quarantined"].value == 1
    # The retried page still landed, once: nothing is missing, nothing twice.
    expected = len(sandbox.kore.conversations(DAY, include_below_threshold=False))
    assert warehouse.scalar("select count(*) from raw.kore__rawdata") == expected


def test_a_page_that_stays_broken_fails_loudly_and_keeps_the_last_good_load(
    kore_only, sandbox
) -> None:
    warehouse = kore_only
    assert warehouse.run() == []
    before = snapshot(kore_only)
    sandbox.kore.faults.script(*["truncated"] * 8)
    failures = warehouse.run()
    assert len(failures) == 1
    message = str(failures[0])
    assert "kore" in message and "2026-03-23" in message and "invalid JSON" in message
    assert warehouse.scalar("select count(*) from raw.quarantine") == 8
    assert warehouse.scalar("select count(*) from raw.load_log where status = 'failed'") == 1
    assert snapshot(kore_only) == before


def test_a_record_without_id_is_quarantined_not_dropped(kore_only, sandbox) -> None:
    warehouse = kore_only
    sandbox.kore.extra_records[DAY] = [{"Agents": [], "Kore Evaluation Score": 12}]
    assert warehouse.run() == []
    rows = warehouse.query("select reason, body, record_key from raw.quarantine")
    assert len(rows) == 1
    assert "no conversation id" in rows[0][0]
    assert '"Kore Evaluation Score": 12' in rows[0][1]
    expected = len(sandbox.kore.conversations(DAY, include_below_threshold=False))
    assert warehouse.scalar("select count(*) from marts.fct_interaction") == expected


def test_a_bad_jwt_secret_fails_fast_with_a_clear_error(kore_only, sandbox, monkeypatch) -> None:
    warehouse = kore_only
    wrong = "definitely-not-the-secret-7f3a"
    monkeypatch.setenv("KORE_CLIENT_SECRET", wrong)
    failures = warehouse.land()
    assert [f.vendor for f in failures] == ["kore"]
    message = str(failures[0])
    assert "rejected the credentials" in message and "KORE_CLIENT_SECRET" in message
    assert "2026-03-23" in message
    assert wrong not in message
    assert sandbox.kore.requests == 1, "credential errors are never retried"


def test_sandbox_renders_three_dialects() -> None:
    from qa_sandbox.kore import generate_day

    rows = {c.dialect: render(c) for c in generate_day(DAY, 40)}
    assert "conversationId" in rows["camel"] and "koreEvalutionScore" in rows["camel"]
    assert "Conversation ID" in rows["title"] and rows["title"]["Duration"].endswith("milliseconds")
    assert "Intents" in rows["legacy"] and "duration_status" not in rows["legacy"]
    assert all("Metric ID" not in m for m in rows["legacy"]["Metrics"])
