"""Asset checks on the raw assets, evaluated on what each run landed; dbt tests as checks."""

from __future__ import annotations

from dagster import AssetCheckKey, AssetKey

from pipeline.build import build_defs
from tests.conftest import DAY

KORE = AssetKey(["raw", "kore", "rawdata"])


def _latest(warehouse, name: str):
    record = warehouse.instance.get_latest_asset_check_evaluation_record(AssetCheckKey(KORE, name))
    evaluation = record.event.dagster_event.event_specific_data
    return evaluation.passed, {k: v.value for k, v in evaluation.metadata.items()}


def test_clean_run_passes_every_raw_check(kore_only) -> None:
    assert kore_only.land() == []
    for name in ("window_not_emptied", "no_quarantined_records", "no_unknown_keys"):
        assert _latest(kore_only, name)[0] is True, name


def test_a_window_that_goes_empty_is_flagged_and_keeps_its_rows(kore_only, sandbox) -> None:
    assert kore_only.run() == []
    before = kore_only.query("select interaction_id from marts.fct_interaction order by 1")
    had = len(sandbox.kore.conversations(DAY, include_below_threshold=False))
    sandbox.kore.per_day = 0
    failures = kore_only.run()
    passed, metadata = _latest(kore_only, "window_not_emptied")
    assert passed is False
    assert metadata["emptied_windows"] == [f"{DAY.isoformat()} (had {had})"]
    # The blocking check fails the run loudly, naming the check...
    assert [(f.vendor, f.day) for f in failures] == [("kore", DAY.isoformat())]
    assert "window_not_emptied" in failures[0].reason
    # ...and the window kept its previous load, so the marts lose nothing.
    assert kore_only.query("select interaction_id from marts.fct_interaction order by 1") == before


def test_unknown_keys_and_quarantine_are_reported(kore_only, sandbox) -> None:
    sandbox.kore.extra_records[DAY] = [
        {"Conversation ID": "c-new-field", "Brand New Field": 1, "Agents": []},
    ]
    sandbox.kore.faults.script("truncated")
    assert kore_only.land() == []
    passed, metadata = _latest(kore_only, "no_unknown_keys")
    assert passed is False and metadata["unknown_keys"] == ["Brand New Field"]
    passed, metadata = _latest(kore_only, "no_quarantined_records")
    assert passed is False and metadata["quarantined"] == 1


def test_every_vendor_has_freshness_and_dbt_tests_as_checks(vendor_env) -> None:
    graph = build_defs().resolve_asset_graph()
    names_by_asset: dict[AssetKey, set[str]] = {}
    for key in graph.asset_check_keys:
        names_by_asset.setdefault(key.asset_key, set()).add(key.name)
    for raw in (
        KORE,
        AssetKey(["raw", "evaluagent", "evaluations"]),
        AssetKey(["raw", "cqa", "analyses"]),
    ):
        assert {"freshness_check", "window_not_emptied", "no_unknown_keys"} <= names_by_asset[raw]
    assert (
        "between_fct_evaluation_score_pct__100__0"
        in names_by_asset[AssetKey(["marts", "fct_evaluation"])]
    )
