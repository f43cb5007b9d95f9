"""A partial window never replaces a complete one: what lands is checked against what each
vendor announced, and what a vendor's signals disagree on is kept in the load log."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DAY, Warehouse, only_vendor


def _load_log(warehouse: Warehouse, vendor: str, endpoint: str) -> list[tuple]:
    return warehouse.query(
        "select status, records, error, warnings from raw.load_log "
        "where vendor = ? and endpoint = ? order by finished_at",
        [vendor, endpoint],
    )


def _landed(warehouse: Warehouse, table: str, records_sql: str = "1") -> int:
    return warehouse.scalar(
        f"select count(*) from (select {records_sql} from raw.{table} as pages "
        "join raw.load_log as loads using (run_id, vendor, endpoint, window_start) "
        "where loads.status = 'success')"
    )


@pytest.fixture
def kore(monkeypatch, warehouse: Warehouse) -> Warehouse:
    return only_vendor("KORE_", monkeypatch, warehouse)


def test_a_repeated_kore_page_fails_the_day_and_keeps_the_complete_load(kore, sandbox) -> None:
    assert kore.land(DAY, vendors=["kore"]) == []
    complete = _landed(kore, "kore__rawdata")
    assert complete == len(sandbox.kore.conversations(DAY, include_below_threshold=False)) > 7

    sandbox.kore.paging = "neither"
    failures = kore.land(DAY, vendors=["kore"])
    assert [f.day for f in failures] == [DAY.isoformat()]
    assert "repeats an earlier page" in failures[0].reason
    assert _landed(kore, "kore__rawdata") == complete, "the complete load is kept"
    assert _load_log(kore, "kore", "rawdata")[-1][0] == "failed"


def test_short_kore_pages_are_not_an_end_and_are_noted(kore, sandbox) -> None:
    # The server caps pages at 5 records though 7 were asked, and says there is more.
    sandbox.kore.page_size_cap = 5
    assert kore.land(DAY, vendors=["kore"]) == []
    truth = len(sandbox.kore.conversations(DAY, include_below_threshold=False))
    assert _landed(kore, "kore__rawdata") == truth
    status, records, _, warnings = _load_log(kore, "kore", "rawdata")[-1]
    assert (status, records) == ("success", truth)
    assert "held 5 records of the 7 asked, yet more were announced" in json.loads(warnings)[0]


@pytest.fixture
def evaluagent(monkeypatch, warehouse: Warehouse) -> Warehouse:
    return only_vendor("EVALUAGENT_", monkeypatch, warehouse)


def test_evaluagent_pages_without_links_still_land_whole(evaluagent, sandbox) -> None:
    sandbox.evaluagent.omit_links = True
    assert evaluagent.land(DAY, vendors=["evaluagent"]) == []
    landed = _landed(
        evaluagent, "evaluagent__evaluations", "unnest(json_extract(payload, '$.data[*]'))"
    )
    assert landed == sandbox.evaluagent.per_day > 50, "more than one page of 50"


def test_evaluagent_short_of_its_announced_total_fails_and_keeps_the_last_load(
    evaluagent, sandbox
) -> None:
    assert evaluagent.land(DAY, vendors=["evaluagent"]) == []
    sandbox.evaluagent.extra_total = 3  # meta announces three more than it serves
    failures = evaluagent.land(DAY, vendors=["evaluagent"])
    assert any("63 records announced, 60 found" in f.reason for f in failures), failures
    status = [row[0] for row in _load_log(evaluagent, "evaluagent", "evaluations")]
    assert status == ["success", "failed"]


@pytest.fixture
def cqa(monkeypatch, warehouse: Warehouse) -> Warehouse:
    return only_vendor("CQA_", monkeypatch, warehouse)


def test_cqa_short_of_its_announced_total_fails(cqa, sandbox) -> None:
    sandbox.cqa.extra_total = 2
    failures = cqa.land(DAY, vendors=["cqa"])
    assert any("32 records announced, 30 found" in f.reason for f in failures), failures


def test_a_cqa_error_envelope_sent_with_200_is_quarantined_not_landed(cqa, sandbox) -> None:
    assert cqa.land(DAY, vendors=["cqa"]) == []
    details = _landed(cqa, "cqa__analysis_details")
    sandbox.cqa.add_qa_review(sandbox.cqa.analyses_of(DAY)[0].analysis_id)
    sandbox.cqa.error_envelope_with_200 = True
    failures = cqa.land(DAY, vendors=["cqa"])
    assert any("not a AnalysisDocument" in f.reason for f in failures), failures
    assert _landed(cqa, "cqa__analysis_details") == details, "the last good load is kept"
    reasons = [r for (r,) in cqa.query("select reason from raw.quarantine")]
    assert any("not a AnalysisDocument" in r for r in reasons)
