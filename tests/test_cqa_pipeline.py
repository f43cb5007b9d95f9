"""Exotel CQA pulled by date window, end to end over real HTTP against the sandbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from qa_sandbox.roster import ROSTER

from pipeline.cqa.client import CqaClient, DuplicateError, _classify
from pipeline.cqa.resources import CqaResource
from pipeline.lib.http import AuthenticationError, ClientRequestError, RetryableError
from pipeline.lib.windows import Window
from tests.conftest import DAY, Warehouse, kept_copy, only_vendor, run_once


@pytest.fixture
def cqa_only(monkeypatch, warehouse):
    return only_vendor("CQA_", monkeypatch, warehouse)


def _client(sandbox) -> CqaClient:
    return CqaClient(
        CqaResource(
            base_url=sandbox.url + "/cqa",
            account_id=sandbox.cqa.account_id,
            api_key=sandbox.cqa.api_key,
            get_requests_per_minute=100_000,
            backoff_initial_seconds=0.05,
        )
    )


# Three List Analyses pages of at most 100.
PAGED_DAY = 230


@pytest.fixture(scope="module")
def paged_day(warehouse_home: Path, sandbox_server, tmp_path_factory) -> Warehouse:
    """A day of CQA's over three pages, landed and built once, for the tests that only read
    what came of it."""
    with run_once(warehouse_home, sandbox_server, only="CQA_") as warehouse:
        sandbox_server.cqa.per_day = PAGED_DAY
        assert warehouse.run() == []
        return kept_copy(warehouse, tmp_path_factory.mktemp("cqa-paged-day"))


def test_every_analysis_of_a_window_lands_once(paged_day, sandbox) -> None:
    warehouse = paged_day
    sandbox.cqa.per_day = PAGED_DAY
    truth = sandbox.cqa.analyses_of(DAY)
    assert sorted(
        r[0] for r in warehouse.query("select analysis_id from staging.stg_cqa__analyses")
    ) == sorted(g.analysis_id for g in truth)
    assert (
        warehouse.scalar(
            "select pages from raw.load_log where endpoint = 'analyses' and status = 'success'"
        )
        == 3
    )
    completed = [g for g in truth if not g.failed]
    assert warehouse.scalar(
        "select count(*) from marts.fct_evaluation where vendor = 'cqa'"
    ) == len(completed)
    assert warehouse.scalar(
        "select count(*) from marts.fct_interaction where vendor = 'cqa'"
    ) == len(truth)
    # Failed interactions keep their failure reason; they have no evaluation.
    failed = warehouse.query(
        "select failure_reason from marts.fct_interaction where vendor = 'cqa' "
        "and processing_status = 'failed'"
    )
    assert len(failed) == sum(g.failed for g in truth) > 0
    assert {r[0] for r in failed} == {"Audio could not be downloaded"}
    # KPI rows carry category and sub-category; a KPI with max 0 has no percentage.
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_kpi_score where vendor = 'cqa' "
            "and (category_name is null or sub_category_name is null)"
        )
        == 0
    )
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_kpi_score where vendor = 'cqa' and max_score = 0 "
            "and score_pct is not null"
        )
        == 0
    )
    # The agent comes from interaction metadata and is matched by email.
    assert warehouse.scalar(
        "select count(*) from marts.fct_interaction where vendor = 'cqa' and agent_id is null"
    ) == sum(1 for g in truth if ROSTER[g.agent_index].email is None)


def test_a_window_beyond_the_offset_limit_is_split_and_complete(sandbox) -> None:
    sandbox.cqa.per_day = 10_250
    ids: list[str] = []
    pages = list(_client(sandbox).analysis_pages(Window.for_day(DAY), lambda *a: None))
    for page in pages:
        ids.extend(r["analysis_id"] for r in json.loads(page.body)["data"]["analyses"])
    assert len(ids) == len(set(ids)) == 10_250
    assert sandbox.cqa.requests["list"] > 103, "the window was split and re-listed"


def test_a_later_qa_review_changes_the_marts_on_repull(cqa_only, sandbox) -> None:
    warehouse = cqa_only
    assert warehouse.run() == []
    target = next(g for g in sandbox.cqa.analyses_of(DAY) if not g.failed)
    before = warehouse.query(
        "select evaluation_type, score from marts.fct_evaluation where vendor_evaluation_id = ?",
        [target.analysis_id],
    )
    assert before[0][0] == "ai"
    assert warehouse.scalar("select count(*) from marts.fct_audit where vendor = 'cqa'") == 0

    sandbox.cqa.add_qa_review(target.analysis_id)
    assert warehouse.run() == []
    after = warehouse.query(
        "select evaluation_type, score from marts.fct_evaluation where vendor_evaluation_id = ?",
        [target.analysis_id],
    )
    expected = sandbox.cqa.detail(target)["qa_score"]
    assert after == [("human", pytest.approx(expected))]
    assert warehouse.query(
        "select audit_status, audit_score from marts.fct_audit where vendor_audit_id = ?",
        [target.analysis_id],
    ) == [("audited", pytest.approx(expected))]
    overridden = warehouse.query(
        "select k.answer, k.score_pct from marts.fct_kpi_score k join marts.fct_evaluation e "
        "using (evaluation_id) where e.vendor_evaluation_id = ? and k.kpi_name = 'Proper Greeting'",
        [target.analysis_id],
    )
    assert overridden == [("yes", 100.0)]
    assert warehouse.scalar(
        "select count(*) from marts.fct_evaluation where vendor = 'cqa'"
    ) == len([g for g in sandbox.cqa.analyses_of(DAY) if not g.failed])


def test_offset_timestamps_land_as_the_right_utc_instant(paged_day, sandbox) -> None:
    warehouse = paged_day
    sandbox.cqa.per_day = PAGED_DAY
    item = sandbox.cqa.analyses_of(DAY)[0]
    sent = sandbox.cqa.detail(item)["analysis_completed_at"]
    assert sent.endswith("+05:30")
    landed = warehouse.scalar(
        "select analysis_completed_at from staging.stg_cqa__analyses where analysis_id = ?",
        [item.analysis_id],
    )
    local = datetime.fromisoformat(sent)
    assert landed == local.astimezone(UTC).replace(tzinfo=None)
    assert landed == local.replace(tzinfo=None) - timedelta(hours=5, minutes=30)


def test_retries_rate_limits_and_5xx(cqa_only, sandbox) -> None:
    warehouse = cqa_only
    sandbox.cqa.faults.script("429_retry_after_seconds", "500", "truncated")
    assert warehouse.land() == []
    assert sum(sandbox.cqa.faults.injected.values()) == 3
    # One detail per analysis of the day, each once.
    details = warehouse.query(
        "select payload ->> '$.data.analysis_id' from raw.cqa__analysis_details"
    )
    assert sorted(r[0] for r in details) == sorted(
        g.analysis_id for g in sandbox.cqa.analyses_of(DAY)
    )


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "UNAUTHORIZED", AuthenticationError),
        (429, "RATE_LIMIT_EXCEEDED", RetryableError),
        (429, "TOO_MANY_JOBS", RetryableError),
        (409, "DUPLICATE", DuplicateError),
        (400, "VALIDATION_ERROR", ClientRequestError),
        (404, "NOT_FOUND", ClientRequestError),
        (500, "INTERNAL_ERROR", RetryableError),
    ],
)
def test_every_documented_error_code_maps_to_a_clear_exception(status, code, expected) -> None:
    response = httpx.Response(
        status,
        json={
            "status": status,
            "request_id": "r",
            "message": "detail here",
            "error": {"code": code},
        },
        headers={"Retry-After": "3"},
    )
    error = _classify(response, response.json(), "cqa GET x")
    assert type(error) is expected
    assert code in str(error) and "detail here" in str(error)
    if expected is RetryableError and status == 429:
        assert error.retry_after == 3


def _walk(sandbox, *, now: datetime) -> tuple[set[str], list[str], int]:
    """The day's analyses as the client lands them, its load-log notes and its pages."""
    client = CqaClient(
        CqaResource(
            base_url=sandbox.url + "/cqa",
            account_id=sandbox.cqa.account_id,
            api_key=sandbox.cqa.api_key,
            get_requests_per_minute=100_000,
            backoff_initial_seconds=0.05,
        ),
        now=lambda: now,
    )
    try:
        pages = list(client.analysis_pages(Window.for_day(DAY), lambda *a: None))
    finally:
        client.close()
    ids = {r["analysis_id"] for p in pages for r in json.loads(p.body)["data"]["analyses"]}
    return ids, [w for p in pages for w in p.warnings], len(pages)


OPEN = datetime(DAY.year, DAY.month, DAY.day, 12)  # the day is still going on
CLOSED = OPEN + timedelta(days=2)


@pytest.mark.parametrize("newest_first", [False, True])
def test_the_walk_does_not_rest_on_the_sort_order(sandbox, newest_first) -> None:
    sandbox.cqa.per_day = 250
    sandbox.cqa.newest_first = newest_first
    ids, warnings, _ = _walk(sandbox, now=CLOSED)
    assert ids == {g.analysis_id for g in sandbox.cqa.analyses_of(DAY)} and warnings == []


@pytest.mark.parametrize("newest_first", [False, True])
def test_an_open_day_that_grows_while_walked_is_walked_again(sandbox, newest_first) -> None:
    """Analyses arriving while today is walked shift the offsets and raise the total: not a
    lost page. One more walk finds them all."""
    sandbox.cqa.per_day = 250
    sandbox.cqa.newest_first = newest_first
    sandbox.cqa.arrivals = [7]
    ids, warnings, _ = _walk(sandbox, now=OPEN)
    assert ids == {g.analysis_id for g in sandbox.cqa.analyses_of(DAY)} and len(ids) == 257
    assert warnings == []


def test_an_open_day_still_growing_after_a_second_walk_lands_and_says_so(sandbox) -> None:
    sandbox.cqa.per_day = 250
    sandbox.cqa.newest_first = True
    sandbox.cqa.arrivals = [7, 5]
    ids, warnings, _ = _walk(sandbox, now=OPEN)
    assert len(ids) >= 257
    assert any("still open and analyses are arriving" in w for w in warnings)


def test_a_closed_day_whose_total_disagrees_fails(sandbox) -> None:
    from pipeline.lib.pull.paging import IncompleteWindowError

    sandbox.cqa.per_day = 250
    sandbox.cqa.newest_first = True
    sandbox.cqa.arrivals = [7]
    with pytest.raises(IncompleteWindowError, match="257 records announced, 250 found"):
        _walk(sandbox, now=CLOSED)
