"""The analyst's two questions, answered from the marts and checked against figures computed
here, independently, from what the sandbox generated: can we trust the AI's scores (the AI
against the people who reviewed the same conversations), and how does an agent stand across
vendors (percentiles within each vendor's week, combined by evaluations)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from qa_sandbox.cqa import generate_day as cqa_day
from qa_sandbox.kore import generate_day as kore_day
from qa_sandbox.roster import ROSTER

from pipeline.vendors import VENDORS
from tests.conftest import DAY, Warehouse, kept_copy, run_once

DAYS = [DAY, DAY + timedelta(days=1)]
WEEK = DAY - timedelta(days=DAY.weekday())
TOLERANCE = 10
MIN_EVALUATIONS = 5
PASS_FAIL = {"yes", "no"}


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, float(value)))


def _answer(text: str | None) -> str | None:
    if text is None:
        return None
    lowered = text.strip().lower()
    return {"partially": "partial"}.get(lowered, lowered)


def _kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa, from its textbook definition."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == h for a, h in pairs) / n
    ai_yes = sum(a == "yes" for a, _ in pairs) / n
    human_yes = sum(h == "yes" for _, h in pairs) / n
    expected = ai_yes * human_yes + (1 - ai_yes) * (1 - human_yes)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def _kore_truth(per_day: int) -> tuple[list, list, dict]:
    """Kore's pairs (conversation, AI %, human %), its pass/fail metric pairs, and each
    person's AutoQA scores, from the sandbox's own conversations."""
    score_pairs, kpi_pairs = [], []
    scores: dict[str, list[float]] = defaultdict(list)
    for day in DAYS:
        for conversation in kore_day(day, per_day):
            if conversation.below_threshold:
                continue  # not served without KORE_INCLUDE_BELOW_THRESHOLD
            numeric = isinstance(conversation.score, int | float)
            if numeric:
                scores[conversation.agents[0].key].append(_clamp(conversation.score))
            if conversation.audit_status != "Audited":
                continue
            if numeric and conversation.audit_score is not None:
                score_pairs.append(
                    (
                        conversation.conversation_id,
                        _clamp(conversation.score),
                        _clamp(conversation.audit_score),
                    )
                )
            for metric in conversation.metrics:
                if metric["qualification"] and metric["auditor_response"]:
                    kpi_pairs.append(
                        (_answer(metric["qualification"]), _answer(metric["auditor_response"]))
                    )
    return score_pairs, kpi_pairs, scores


def _cqa_truth(sandbox) -> tuple[list, list, dict]:
    """CQA's pairs of the analyses a reviewer scored, its KPI pairs, and each person's final
    scores, from the sandbox's own analyses."""
    score_pairs, kpi_pairs = [], []
    scores: dict[str, list[float]] = defaultdict(list)
    for day in DAYS:
        for item in cqa_day(day, sandbox.cqa.per_day):
            if item.failed:
                continue
            categories, ai, maximum, qa = sandbox.cqa._kpis(item)
            person = ROSTER[item.agent_index]
            # CQA knows an agent by the id or email its metadata carries: none, no agent.
            if person.email:
                scores[person.key].append(_clamp(100 * (qa if qa is not None else ai) / maximum))
            if qa is None:
                continue
            score_pairs.append((item.interaction_id, 100 * ai / maximum, 100 * qa / maximum))
            for category in categories:
                for sub in category["sub_categories"]:
                    for kpi in sub["kpis"]:
                        human = kpi["qa_selected_kpi_option_value"] or kpi["ai_response"]
                        kpi_pairs.append((_answer(kpi["ai_response"]), _answer(human)))
    return score_pairs, kpi_pairs, scores


def _percentiles(scores: dict[str, list[float]]) -> dict[str, float | None]:
    """Each ranked person's percentile among the ranked: 100 x (below + half the ties) /
    (ranked - 1)."""
    means = {key: sum(v) / len(v) for key, v in scores.items() if len(v) >= MIN_EVALUATIONS}
    out: dict[str, float | None] = {}
    for key, mean in means.items():
        others = [m for k, m in means.items() if k != key]
        below = sum(m < mean for m in others)
        tied = sum(m == mean for m in others)
        out[key] = round(100 * (below + 0.5 * tied) / len(others), 2) if others else None
    return out


def _measured(warehouse: Warehouse, vendor: str) -> tuple:
    return warehouse.query(
        "select score_pairs, mean_difference, mean_absolute_difference, within_tolerance_pct, "
        "pass_fail_pairs, agreement_pct, cohens_kappa from marts.vendor_calibration_weekly "
        "where vendor = ? and week_start = ?",
        [vendor, WEEK],
    )[0]


def _expected(score_pairs: list, kpi_pairs: list) -> tuple:
    differences = [ai - human for _, ai, human in score_pairs]
    binary = [(a, h) for a, h in kpi_pairs if a in PASS_FAIL and h in PASS_FAIL]
    kappa = _kappa(binary)
    return (
        len(differences),
        pytest.approx(sum(differences) / len(differences), abs=1e-4),
        pytest.approx(sum(abs(d) for d in differences) / len(differences), abs=1e-4),
        pytest.approx(
            100 * sum(abs(d) <= TOLERANCE for d in differences) / len(differences), abs=0.01
        ),
        len(binary),
        pytest.approx(100 * sum(a == h for a, h in binary) / len(binary), abs=0.01),
        None if kappa is None else pytest.approx(kappa, abs=1e-4),
    )


def _reviewing(sandbox) -> None:
    """CQA's reviewers at work as in the demo: one analysis in five reviewed by a person."""
    sandbox.cqa.review_one_in = 5


@pytest.fixture(scope="module")
def calibrated(warehouse_home: Path, sandbox_server, tmp_path_factory) -> Warehouse:
    """Kore and CQA, the vendors whose AI scores people review, over two days of one week,
    with CQA's reviewers at work: landed and built once, read by every test here."""
    calibrating = tuple(v.settings.env_prefix for v in VENDORS if v.calibrates)
    with run_once(warehouse_home, sandbox_server, only=calibrating) as warehouse:
        _reviewing(sandbox_server)
        assert warehouse.run(DAYS[0], DAYS[-1]) == []
        return kept_copy(warehouse, tmp_path_factory.mktemp("calibrated"))


def test_the_ai_against_the_people_matches_what_the_sandbox_generated(
    calibrated: Warehouse, sandbox
) -> None:
    _reviewing(sandbox)
    kore_scores, kore_kpis, _ = _kore_truth(sandbox.kore.per_day)
    cqa_scores, cqa_kpis, _ = _cqa_truth(sandbox)
    assert kore_scores and cqa_scores and kore_kpis and cqa_kpis

    for vendor, truth in (("kore", kore_scores), ("cqa", cqa_scores)):
        landed = calibrated.query(
            "select vendor_interaction_id, ai_score_pct, human_score_pct, agent_id "
            "from marts.fct_score_calibration where vendor = ? order by 1",
            [vendor],
        )
        assert [(i, pytest.approx(a), pytest.approx(h)) for i, a, h, _ in landed] == sorted(truth)
        assert all(agent is not None for *_, agent in landed)

    assert _measured(calibrated, "kore") == _expected(kore_scores, kore_kpis)
    assert _measured(calibrated, "cqa") == _expected(cqa_scores, cqa_kpis)
    # Every agent's weekly rows add up to the vendor's week.
    totals = calibrated.query(
        "select vendor, sum(score_pairs), sum(pass_fail_pairs), sum(pass_fail_agreements) "
        "from marts.agent_calibration_weekly group by vendor order by vendor"
    )
    assert totals == calibrated.query(
        "select vendor, score_pairs, pass_fail_pairs, pass_fail_agreements "
        "from marts.vendor_calibration_weekly order by vendor"
    )


def test_each_agent_stands_within_each_vendor_and_across_them(
    calibrated: Warehouse, sandbox
) -> None:
    _reviewing(sandbox)
    _, _, kore_scores = _kore_truth(sandbox.kore.per_day)
    _, _, cqa_scores = _cqa_truth(sandbox)
    by_vendor = {"kore": _percentiles(kore_scores), "cqa": _percentiles(cqa_scores)}
    counts = {"kore": kore_scores, "cqa": cqa_scores}
    rows = calibrated.query(
        "select d.email, s.vendor, s.evaluations, s.is_ranked, s.vendor_percentile, "
        "s.combined_percentile from marts.agent_weekly_standing as s "
        "join marts.dim_agent as d using (agent_id) where s.week_start = ? and d.email is not null",
        [WEEK],
    )
    people = {person.email: person.key for person in ROSTER if person.email}
    checked = 0
    for email, vendor, evaluations, is_ranked, percentile, combined in rows:
        key = people[email]
        assert evaluations == len(counts[vendor][key])
        assert is_ranked == (key in by_vendor[vendor])
        assert percentile == (
            None if by_vendor[vendor].get(key) is None else pytest.approx(by_vendor[vendor][key])
        )
        weighted = [
            (by_vendor[v][key], len(counts[v][key]))
            for v in by_vendor
            if by_vendor[v].get(key) is not None
        ]
        expected = (
            round(sum(p * n for p, n in weighted) / sum(n for _, n in weighted), 2)
            if weighted
            else None
        )
        assert combined == (None if expected is None else pytest.approx(expected, abs=0.01))
        checked += 1
    assert checked >= 10
    # Too few evaluations: no standing, never a misleading 100.
    assert not calibrated.query(
        "select 1 from marts.agent_weekly_standing "
        "where evaluations < ? and vendor_percentile is not null",
        [MIN_EVALUATIONS],
    )
