"""EvaluAgent end to end over real HTTP against the sandbox."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from dagster import AssetKey
from qa_sandbox.roster import ROSTER

from pipeline.evaluagent.client import REGIONS, base_url_for
from tests.conftest import DAY, Warehouse, kept_copy, only_vendor, run_once
from tests.test_secrets import _dagster_text, _warehouse_text

DETAILS_KEY = AssetKey(["raw", "evaluagent", "evaluation_details"])


@pytest.fixture
def evaluagent_only(monkeypatch, warehouse):
    return only_vendor("EVALUAGENT_", monkeypatch, warehouse)


def _details_metadata(warehouse) -> dict[str, int]:
    record = warehouse.instance.fetch_materializations(DETAILS_KEY, limit=1).records[0]
    metadata = record.asset_materialization.metadata
    return {name: metadata[name].value for name in ("details_fetched", "details_skipped")}


# Three pages of 50, the last one short.
PAGED_DAY = 120


@pytest.fixture(scope="module")
def paged_day(warehouse_home: Path, sandbox_server, tmp_path_factory) -> Warehouse:
    """A day of EvaluAgent's over three pages, landed and built once, for the tests that only
    read what came of it."""
    with run_once(warehouse_home, sandbox_server, only="EVALUAGENT_") as warehouse:
        sandbox_server.evaluagent.per_day = PAGED_DAY
        assert warehouse.run() == []
        return kept_copy(warehouse, tmp_path_factory.mktemp("evaluagent-paged-day"))


@pytest.fixture(scope="module")
def every_vendor_day(warehouse_home: Path, sandbox_server, tmp_path_factory) -> Warehouse:
    """A day of every vendor, landed and built once, for the tests of who is who."""
    with run_once(warehouse_home, sandbox_server) as warehouse:
        assert warehouse.run() == []
        return kept_copy(warehouse, tmp_path_factory.mktemp("every-vendor-day"))


def test_every_evaluation_of_a_window_lands_once_across_pages(paged_day, sandbox) -> None:
    warehouse = paged_day
    sandbox.evaluagent.per_day = PAGED_DAY
    expected = sorted(sandbox.evaluagent.evaluation_ids(DAY))
    landed = warehouse.query(
        "select vendor_evaluation_id from marts.fct_evaluation where vendor = 'evaluagent'"
    )
    assert sorted(r[0] for r in landed) == expected
    assert (
        warehouse.scalar(
            "select pages from raw.load_log where endpoint = 'evaluations' and status = 'success'"
        )
        == 3
    )
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_evaluation where evaluation_type <> 'human'"
        )
        == 0
    )
    # Every evaluation has its contact as an interaction, and its line items as KPI rows.
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_evaluation "
            "where interaction_id is null or agent_id is null"
        )
        == 0
    )
    assert warehouse.scalar("select count(*) from marts.fct_kpi_score") == 6 * PAGED_DAY
    assert (
        warehouse.scalar("select count(*) from marts.fct_audit where audit_status = 'audited'")
        == PAGED_DAY
    )


def test_details_are_fetched_only_for_new_or_changed_evaluations(evaluagent_only, sandbox) -> None:
    warehouse = evaluagent_only
    ids = sandbox.evaluagent.evaluation_ids(DAY)
    assert warehouse.run() == []
    assert sorted(sandbox.evaluagent.detail_ids) == sorted(ids)
    assert _details_metadata(warehouse) == {"details_fetched": len(ids), "details_skipped": 0}
    marts_before = warehouse.query("select * from marts.fct_kpi_score order by kpi_score_id")

    sandbox.evaluagent.detail_ids.clear()
    assert warehouse.run() == []
    assert sandbox.evaluagent.detail_ids == [], "nothing changed: no detail call"
    assert _details_metadata(warehouse) == {"details_fetched": 0, "details_skipped": len(ids)}
    assert (
        warehouse.query("select * from marts.fct_kpi_score order by kpi_score_id") == marts_before
    )

    changed = ids[:3]
    for evaluation_id in changed:
        sandbox.evaluagent.republish(evaluation_id)
    assert warehouse.land() == []
    assert sorted(sandbox.evaluagent.detail_ids) == sorted(changed)
    assert _details_metadata(warehouse) == {
        "details_fetched": 3,
        "details_skipped": len(ids) - 3,
    }


def test_a_republished_evaluation_replaces_the_earlier_version(evaluagent_only, sandbox) -> None:
    warehouse = evaluagent_only
    assert warehouse.run() == []
    ea = sandbox.evaluagent
    # Find an evaluation whose score changes when it is re-published.
    for index, evaluation_id in enumerate(ea.evaluation_ids(DAY)):
        before = ea.evaluation(DAY, index)["attributes"]
        ea.republish(evaluation_id)
        after = ea.evaluation(DAY, index)["attributes"]
        if after["score"] != before["score"]:
            break
    else:
        pytest.fail("no re-publication changed a score")
    assert warehouse.run() == []
    rows = warehouse.query(
        "select score, evaluated_at from marts.fct_evaluation where vendor_evaluation_id = ?",
        [evaluation_id],
    )
    assert len(rows) == 1 and rows[0][0] == pytest.approx(after["score"])
    outcomes = {li["question"]: li["outcome"] for s in after["sections"] for li in s["line_items"]}
    kpis = dict(
        warehouse.query(
            "select kpi_name, answer from marts.fct_kpi_score k join marts.fct_evaluation e "
            "using (evaluation_id) where e.vendor_evaluation_id = ?",
            [evaluation_id],
        )
    )
    assert {
        q: {"Yes": "yes", "No": "no", "Partially": "partial", "N/A": "na"}[o]
        for q, o in outcomes.items()
    } == kpis
    assert warehouse.scalar(
        "select audit_score from marts.fct_audit where vendor_audit_id = ?", [evaluation_id]
    ) == pytest.approx(after["score"])


def test_na_line_items_are_null_not_zero(paged_day) -> None:
    warehouse = paged_day
    na = warehouse.query(
        "select count(*), count(score), count(score_pct) from marts.fct_kpi_score "
        "where vendor = 'evaluagent' and answer = 'na'"
    )[0]
    assert na[0] > 0 and na[1:] == (0, 0)
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_kpi_score where answer = 'partial' and score_pct <> 50"
        )
        == 0
    )
    # Auto-failed evaluations score 0 and are fatal.
    fatal = warehouse.query(
        "select count(*), max(score) from marts.fct_evaluation "
        "where vendor = 'evaluagent' and is_fatal"
    )[0]
    assert fatal[0] > 0 and fatal[1] == 0


def test_people_are_matched_across_vendors_by_normalised_email(every_vendor_day) -> None:
    warehouse = every_vendor_day
    vendors_by_email: dict[str, set[str]] = {}
    for email, vendor in warehouse.query(
        "select d.email, b.vendor from marts.dim_agent d join marts.bridge_agent_vendor b "
        "using (agent_id)"
    ):
        vendors_by_email.setdefault(email, set()).add(vendor)
    for person in ROSTER:
        if person.email:
            assert {"kore", "evaluagent"} <= vendors_by_email[person.email], (
                f"{person.email} should be one agent known to both vendors"
            )
    typed = [
        r[0]
        for r in warehouse.query(
            "select vendor_email from marts.bridge_agent_vendor where vendor = 'evaluagent'"
        )
    ]
    raw_emails = [
        r[0] for r in warehouse.query("select email_raw from staging.stg_evaluagent__users")
    ]
    assert any(e and e != e.strip().lower() for e in raw_emails), "sandbox types emails oddly"
    assert all(e is None or e == e.strip().lower() for e in typed)
    # Evaluators are not agents; a deactivated user is inactive; the two John Does stay two.
    assert (
        warehouse.scalar(
            "select count(*) from marts.dim_agent where display_name = 'Jane Supervisor'"
        )
        == 0
    )
    assert (
        warehouse.scalar(
            "select count(*) from marts.fct_evaluation where evaluator_name = 'Jane Supervisor'"
        )
        > 0
    )
    assert warehouse.query(
        "select is_active from marts.dim_agent where email = 'grace.kim@example.com'"
    ) == [(False,)]
    assert (
        warehouse.scalar("select count(*) from marts.dim_agent where display_name = 'John Doe'")
        == 2
    )
    assert (
        warehouse.scalar(
            "select count(distinct team_name) from marts.dim_agent where team_name is not null"
        )
        == 4
    )


def test_people_without_email_stay_separate_until_mapped(every_vendor_day) -> None:
    # Hugo has no email in any vendor: one agent per vendor that knows him until an operator
    # maps them by hand in seeds/agent_identity_overrides.csv (the dbt unit test
    # agents_with_same_email_are_one_person covers that mapping).
    warehouse = every_vendor_day
    persons = warehouse.scalar(
        "select count(*) from marts.dim_agent where display_name = 'Hugo Laurent'"
    )
    identities = warehouse.query(
        "select b.vendor from marts.bridge_agent_vendor b join marts.dim_agent a using (agent_id) "
        "where a.display_name = 'Hugo Laurent'"
    )
    assert {"kore", "evaluagent"} <= {vendor for (vendor,) in identities}
    assert persons == len(identities), "no two of his identities were merged"


def test_a_429_with_retry_after_is_waited_out(evaluagent_only, sandbox) -> None:
    warehouse = evaluagent_only
    sandbox.evaluagent.faults.script("429_retry_after_seconds", "429_retry_after_date", "503")
    assert warehouse.land() == []
    assert sum(sandbox.evaluagent.faults.injected.values()) == 3
    # One detail per evaluation of the day, each once.
    details = warehouse.query(
        "select payload ->> '$.data.id' from raw.evaluagent__evaluation_details"
    )
    assert sorted(r[0] for r in details) == sorted(sandbox.evaluagent.evaluation_ids(DAY))


def test_the_per_endpoint_limit_is_respected(evaluagent_only, sandbox, monkeypatch) -> None:
    warehouse = evaluagent_only
    # The sandbox refuses past 100 a minute per endpoint; the client budgets each endpoint.
    sandbox.evaluagent.limit_per_minute = 100
    monkeypatch.setenv("EVALUAGENT_REQUESTS_PER_MINUTE", "100")
    sandbox.evaluagent.per_day = 40
    assert warehouse.land() == []
    assert sandbox.evaluagent.refused == 0
    assert sandbox.evaluagent.requests["evaluation_detail"] == 40


def test_credentials_never_leak_and_no_bearer_token_is_created(
    evaluagent_only, sandbox, caplog, capfd, monkeypatch
) -> None:
    warehouse = evaluagent_only
    caplog.set_level(logging.DEBUG)
    ea = sandbox.evaluagent
    ea.faults.script("500", "truncated")
    # Landing alone: the credentials reach nothing past the raw tables (tests/test_secrets.py
    # follows them through the build and the analyst copy).
    assert warehouse.land() == []
    monkeypatch.setenv("EVALUAGENT_SECRET_KEY", ea.secret_key + "-wrong")
    failures = warehouse.land()
    assert failures and "rejected the credentials" in str(failures[0])
    assert ea.token_requests == 0, "the client must never create a bearer token"
    captured = capfd.readouterr()
    basic = base64.b64encode(f"{ea.access_key_id}:{ea.secret_key}".encode()).decode()
    for where, text in {
        "logs": caplog.text,
        "output": captured.out + captured.err,
        "dagster": _dagster_text(warehouse.instance),
        "warehouse": _warehouse_text(warehouse.path),
    }.items():
        for secret in (ea.secret_key, basic):
            assert secret not in text, f"EvaluAgent credential found in {where}"


def test_conversation_analytics_is_off_by_default_and_configurable(
    evaluagent_only, sandbox, monkeypatch
) -> None:
    from pipeline.build import build_defs

    warehouse = evaluagent_only
    conversations = AssetKey(["raw", "evaluagent", "conversations"])
    graph = build_defs().resolve_asset_graph()
    # Only the dbt source's external stand-in exists: nothing can materialize it.
    assert conversations not in graph.materializable_asset_keys
    monkeypatch.setenv("EVALUAGENT_ANALYTICS_ENABLED", "true")
    monkeypatch.setenv("EVALUAGENT_ANALYTICS_INTEGRATION", "genesys")
    assert warehouse.run() == []
    assert warehouse.scalar("select count(*) from staging.stg_evaluagent__conversations") > 0


def test_region_picks_the_documented_cluster() -> None:
    assert base_url_for("eu", None) == "https://api.evaluagent.com/v1"
    assert base_url_for("us-east", None) == REGIONS["us-east"]
    assert base_url_for("aus", "http://127.0.0.1:9/v1") == "http://127.0.0.1:9/v1"
    with pytest.raises(ValueError, match="EVALUAGENT_REGION"):
        base_url_for("mars", None)


@pytest.mark.parametrize("paged", [False, True])
def test_users_and_groups_whether_the_server_pages_them_or_not(sandbox, paged) -> None:
    """The reference says only "Returns an array of users": a server that answers the whole
    array to every request (ignoring `page[number]`, with no `meta` or `links`) and one that
    pages like the evaluations list both give every user and group once."""
    from pipeline.evaluagent.client import EvaluAgentClient
    from pipeline.evaluagent.resources import EvaluAgentResource

    sandbox.evaluagent.directory_paged = paged
    ea = sandbox.evaluagent
    client = EvaluAgentClient(
        EvaluAgentResource(
            access_key_id=ea.access_key_id,
            secret_key=ea.secret_key,
            base_url=sandbox.base_url(ea),
            requests_per_minute=100_000,
        )
    )
    try:
        for pages, truth in (
            (client.user_pages(lambda *_: None), ea.users()),
            (client.group_pages(lambda *_: None), ea.groups()),
        ):
            landed = list(pages)
            assert sum(page.records for page in landed) == len(truth)
            ids = [r["id"] for page in landed for r in json.loads(page.body)["data"]]
            assert sorted(ids) == sorted(r["id"] for r in truth)
    finally:
        client.close()
    if not paged:
        # One request for the list, one that shows page[number] is ignored.
        assert ea.requests == {"users": 2, "groups": 2}


def test_the_daily_budget_paces_a_run_instead_of_failing_it(
    evaluagent_only, sandbox, monkeypatch, caplog
) -> None:
    """EvaluAgent allows 10,000 requests a day per endpoint. With a day shortened to two
    seconds and eight requests in it, a window's twenty details wait for the day to free
    slots: none is refused, and the run says it is pacing itself."""
    sandbox.evaluagent.per_day = 20
    sandbox.evaluagent.limit_per_day = 8
    sandbox.evaluagent.day_seconds = 2.0
    monkeypatch.setenv("EVALUAGENT_REQUESTS_PER_DAY", "8")
    monkeypatch.setenv("EVALUAGENT_RATE_DAY_SECONDS", "2")
    caplog.set_level(logging.WARNING, logger="pipeline.lib.http")
    assert evaluagent_only.land() == []
    assert sandbox.evaluagent.refused == 0, "no request went past the vendor's daily limit"
    assert sandbox.evaluagent.requests["evaluation_detail"] == 20
    assert "budget of 8 requests a day is spent" in caplog.text
