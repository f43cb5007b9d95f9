"""Each vendor's documented samples, served on loopback as its own endpoints, land whole and
reach the marts: what a vendor documents is what the pipeline must take."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.summary import marts_summary
from tests.conftest import Warehouse

SAMPLES = Path(__file__).parent / "fixtures" / "vendor_samples"
KORE_DAY = date(2026, 3, 23)  # the day of the documented request
EVALUAGENT_DAY = date(2026, 3, 2)
CQA_DAY = date(2026, 4, 1)
EVALUATION = "7d8f3e2a-0c4b-4f6e-9a1d-2b3c4d5e6f70"
ANALYSIS = "0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c"
INTERACTION = "550e8400-e29b-41d4-a716-446655440000"

ROUTES = {
    ("POST", r"/kore/qualityai/api/v1/public/qualitymanagement/app/st-doc/rawdata"): "kore_rawdata",
    ("GET", r"/evaluagent/v1/quality/evaluations"): "evaluagent_evaluations",
    ("GET", rf"/evaluagent/v1/quality/evaluations/{EVALUATION}"): "evaluagent_evaluation",
    ("GET", r"/evaluagent/v1/org/users"): "evaluagent_users",
    ("GET", r"/evaluagent/v1/org/groups"): "evaluagent_groups",
    ("POST", r"/cqa/api/v1/accounts/acc-doc/analyses"): "cqa_analyses",
    ("GET", rf"/cqa/api/v1/accounts/acc-doc/analyses/{ANALYSIS}"): "cqa_analysis",
    ("GET", rf"/cqa/api/v1/accounts/acc-doc/ingress/interactions/{INTERACTION}"): "cqa_interaction",
}


@pytest.fixture(scope="module")
def samples_url() -> Iterator[str]:
    """Every sample on its vendor's path, byte for byte as stored."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            name = next(
                (n for (m, p), n in ROUTES.items() if m == self.command and re.fullmatch(p, path)),
                None,
            )
            if name is None:
                self.send_response(404)
                self.end_headers()
                return
            body = (SAMPLES / f"{name}.json").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def documented(warehouse: Warehouse, samples_url: str, monkeypatch) -> Warehouse:
    """The three vendors pointed at their documented samples."""
    import os

    for name in list(os.environ):
        if name.startswith(("KORE_", "EVALUAGENT_", "CQA_")):
            monkeypatch.delenv(name)
    settings = {
        "KORE_BASE_URL": f"{samples_url}/kore",
        "KORE_STREAM_ID": "st-doc",
        "KORE_ACCOUNT_ID": "67a9ca06cf0e510a8632aaaa",
        "KORE_ORG_ID": "o-da5be4e0-8fbb-5229-ac20-9b1384ebaaaa",
        "KORE_CLIENT_ID": "cs-doc",
        "KORE_CLIENT_SECRET": "documented-sample-secret-0123456789",
        "EVALUAGENT_BASE_URL": f"{samples_url}/evaluagent/v1",
        "EVALUAGENT_ACCESS_KEY_ID": "doc-key",
        "EVALUAGENT_SECRET_KEY": "documented-sample-secret",
        "CQA_BASE_URL": f"{samples_url}/cqa",
        "CQA_ACCOUNT_ID": "acc-doc",
        "CQA_API_KEY": "documented-sample-key",
        "CQA_INBOX_PATH": str(warehouse.path.parent / "inbox"),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return warehouse


def test_kores_documented_sample_lands_whole(documented: Warehouse) -> None:
    assert documented.run(KORE_DAY, vendors=["kore"]) == []
    warning = json.loads(
        documented.scalar("select warnings from raw.load_log where vendor = 'kore'")
    )
    assert any("21 records announced, 4 found" in w for w in warning), warning
    interactions = documented.query(
        "select started_at, started_at_source from marts.fct_interaction where vendor = 'kore'"
    )
    assert interactions == [(datetime(2026, 3, 23), "window")] * 4
    # Three evaluated conversations (the below-threshold one is not), scored 77, 0 and 9.
    scores = documented.query(
        "select score, is_fatal from marts.fct_evaluation where vendor = 'kore' order by score"
    )
    assert scores == [(0.0, True), (9.0, False), (77.0, False)]
    day = documented.query(
        "select sum(interactions), sum(evaluations) from marts.agent_daily_scorecard "
        "where vendor = 'kore' and date = ?",
        [KORE_DAY],
    )
    assert day == [(4, 3)]
    names = documented.query(
        "select a.display_name from marts.dim_agent a join marts.bridge_agent_vendor b "
        "using (agent_id) where b.vendor = 'kore' order by 1"
    )
    assert len(names) == 3 and all(name for (name,) in names), names
    audited = documented.query(
        "select audit_score, audited_at from marts.fct_audit "
        "where vendor = 'kore' and audit_status = 'audited' order by audit_score"
    )
    assert audited == [(0.0, datetime(2026, 3, 23, 15, 10)), (77.0, datetime(2026, 3, 23, 12, 30))]
    summary = marts_summary(documented.analytics_path)
    # Three evaluations are fewer than a ranking needs (standing_min_evaluations), and the
    # summary says so rather than ranking agents on one evaluation each.
    assert "Best 3 agents" not in summary, summary
    assert "No agent has the 5 evaluations from one vendor that a ranking needs yet" in summary
    assert "(3 scored evaluations so far)" in summary, summary


def test_evaluagents_sample_shapes_land_whole(documented: Warehouse) -> None:
    assert documented.run(EVALUAGENT_DAY, vendors=["evaluagent"]) == []
    evaluation = documented.query(
        "select e.score_pct, e.evaluated_at, e.evaluation_type, a.display_name, a.email, "
        "a.team_name from marts.fct_evaluation e join marts.dim_agent a using (agent_id) "
        "where e.vendor = 'evaluagent'"
    )
    assert evaluation == [
        (
            87.5,
            datetime(2026, 3, 2, 2, 46, 3),
            "human",
            "Amara Okafor",
            "amara.okafor@example.com",
            "Billing",
        )
    ]
    kpis = documented.query(
        "select kpi_name, category_name, answer, score_pct from marts.fct_kpi_score "
        "where vendor = 'evaluagent' order by kpi_name"
    )
    assert [k[2] for k in kpis] == ["yes", "na", "partial", "yes"]
    assert ("Did the agent offer further help?", "Resolution", "na", None) in kpis


def test_cqas_documented_fields_land_whole(documented: Warehouse) -> None:
    assert documented.run(CQA_DAY, vendors=["cqa"]) == []
    evaluation = documented.query(
        "select e.evaluation_type, e.score, e.max_score, e.score_pct, i.started_at, "
        "i.external_interaction_id, a.email from marts.fct_evaluation e "
        "join marts.fct_interaction i using (interaction_id) "
        "join marts.dim_agent a on a.agent_id = e.agent_id where e.vendor = 'cqa'"
    )
    assert evaluation == [
        (
            "human",
            8.0,
            10.0,
            80.0,
            datetime(2026, 4, 1, 10, 30, 2),
            "call-2026-04-01-001",
            "amara.okafor@example.com",
        )
    ]
    kpis = documented.query(
        "select kpi_name, category_name, sub_category_name, answer from marts.fct_kpi_score "
        "where vendor = 'cqa' order by kpi_name"
    )
    assert len(kpis) == 4
    assert ("Introduced Self", "Communication Skills", "Opening", "yes") in kpis
    audits = documented.query("select audit_status, audit_score from marts.fct_audit")
    assert audits == [("audited", 8.0)]
