"""Late changes at the vendors reach the marts, and finding them costs few requests: details
are fetched only when the listing shows a change, and a weekly re-pull reaches further back
than the daily lookback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dagster import AssetKey, build_schedule_context

from pipeline.build import build_defs
from tests.conftest import DAY, Warehouse, only_vendor


@pytest.fixture
def cqa(monkeypatch, warehouse: Warehouse) -> Warehouse:
    return only_vendor("CQA_", monkeypatch, warehouse)


def _detail_calls(sandbox) -> dict[str, int]:
    return {
        "cqa analysis": sandbox.cqa.requests.get("analysis", 0),
        "cqa interaction": sandbox.cqa.requests.get("interaction", 0),
        "evaluagent detail": sandbox.evaluagent.requests.get("evaluation_detail", 0),
    }


def test_a_rerun_of_an_unchanged_window_makes_no_detail_call(warehouse, sandbox) -> None:
    assert warehouse.land(DAY, vendors=["evaluagent", "cqa"]) == []
    first = _detail_calls(sandbox)
    assert first["cqa analysis"] == first["cqa interaction"] == sandbox.cqa.per_day
    assert first["evaluagent detail"] == sandbox.evaluagent.per_day
    assert warehouse.land(DAY, vendors=["evaluagent", "cqa"]) == []
    assert _detail_calls(sandbox) == first, "nothing changed, nothing fetched"
    metadata = (
        warehouse.instance.fetch_materializations(
            AssetKey(["raw", "cqa", "analysis_details"]), limit=1
        )
        .records[0]
        .asset_materialization.metadata
    )
    assert metadata["details_fetched"].value == 0
    assert metadata["details_skipped"].value == sandbox.cqa.per_day


def _audited(warehouse: Warehouse) -> int:
    return warehouse.scalar(
        "select count(*) from marts.fct_audit where vendor = 'cqa' and audit_status = 'audited'"
    )


def test_the_weekly_repull_reaches_a_qa_review_the_daily_lookback_misses(
    cqa, sandbox, monkeypatch
) -> None:
    monkeypatch.setenv("QA_LOOKBACK_DAYS", "3")
    assert cqa.run(DAY, vendors=["cqa"]) == []
    before = _audited(cqa)
    calls = _detail_calls(sandbox)
    # Five days later a QA reviewer scores one of that day's analyses.
    sandbox.cqa.add_qa_review(sandbox.cqa.analyses_of(DAY)[0].analysis_id)
    tick = datetime.combine(DAY + timedelta(days=6), datetime.min.time(), UTC)
    defs = build_defs()
    repository = defs.get_repository_def()

    def requested(name: str) -> list[str]:
        schedule = defs.resolve_schedule_def(name)
        context = build_schedule_context(scheduled_execution_time=tick, repository_def=repository)
        return [r.partition_key for r in schedule.evaluate_tick(context).run_requests]

    daily, deep = requested("cqa_daily"), requested("cqa_deep_weekly")
    assert DAY.isoformat() not in daily, "the daily lookback no longer reaches the day"
    assert DAY.isoformat() in deep and len(deep) == 35
    # The deep run's pull of that day: only the reviewed analysis is fetched again.
    assert cqa.run(DAY, vendors=["cqa"]) == []
    assert _audited(cqa) == before + 1
    after = _detail_calls(sandbox)
    assert after["cqa analysis"] - calls["cqa analysis"] == 1
    assert after["cqa interaction"] - calls["cqa interaction"] == 1


def test_a_revised_score_keeps_its_history(warehouse, sandbox) -> None:
    assert warehouse.run(DAY, vendors=["evaluagent", "cqa"]) == []
    republished = sandbox.evaluagent.evaluation_ids(DAY)[0]
    reviewed = next(a.analysis_id for a in sandbox.cqa.analyses_of(DAY) if not a.failed)
    before = dict(
        warehouse.query(
            "select vendor_evaluation_id, score from marts.fct_evaluation "
            "where vendor_evaluation_id in (?, ?)",
            [republished, reviewed],
        )
    )
    sandbox.evaluagent.republish(republished)
    sandbox.cqa.add_qa_review(reviewed)
    assert warehouse.run(DAY, vendors=["evaluagent", "cqa"]) == []
    assert warehouse.run(DAY, vendors=["evaluagent", "cqa"]) == [], "a re-run adds no version"

    history = warehouse.query(
        "select vendor_evaluation_id, version, score, previous_score, is_current, valid_from "
        "from marts.fct_evaluation_history where vendor_evaluation_id in (?, ?) order by 1, 2",
        [republished, reviewed],
    )
    by_id: dict[str, list[tuple]] = {}
    for row in history:
        by_id.setdefault(row[0], []).append(row[1:])
    now = dict(
        warehouse.query(
            "select vendor_evaluation_id, score from marts.fct_evaluation "
            "where vendor_evaluation_id in (?, ?)",
            [republished, reviewed],
        )
    )
    for evaluation in (republished, reviewed):
        first, second = by_id[evaluation]
        assert first[:4] == (1, before[evaluation], None, False)
        assert second[:4] == (2, now[evaluation], before[evaluation], True)
        assert second[4] > first[4], "the change is dated after the first sight"
    changed = warehouse.scalar(
        "select count(*) from marts.fct_evaluation_history where version > 1"
    )
    assert changed == 2, "nothing else changed"
    kpi_changes = warehouse.scalar(
        "select count(*) from marts.fct_kpi_score_history where version > 1 "
        "and vendor_evaluation_id in (?, ?)",
        [republished, reviewed],
    )
    assert kpi_changes > 0
