"""dbt assets materialized in parts, as an asset backfill launches them.

A backfill of every asset materializes each dbt model once all its upstream partitions have
landed. EvaluAgent's evaluation details take longest to land (one call per evaluation), so
the models that do not read them (`fct_evaluation` among them) are built in one run, and the
ones that do (`fct_kpi_score`) in a later run. A test that reads a model the run neither builds
nor needs (the relationship from `fct_kpi_score` to `fct_evaluation`) must not run against a
table that does not exist yet, or against an old copy of it."""

from __future__ import annotations

from typing import Any

from dagster import AssetCheckKey, AssetKey, AssetSelection, DagsterEventType

from pipeline.build import BUILD_JOB, build_defs
from pipeline.lib.vendor import vendor_named
from pipeline.runner import failure_reason
from pipeline.vendors import VENDORS
from tests.conftest import DAY, Warehouse

DETAILS = AssetKey(["raw", "evaluagent", "evaluation_details"])
KPI_SCORES = AssetKey(["marts", "fct_kpi_score"])
EVALUATIONS = AssetKey(["marts", "fct_evaluation"])
KPI_TO_EVALUATION = AssetCheckKey(
    KPI_SCORES, "relationships_fct_kpi_score_evaluation_id__evaluation_id__ref_fct_evaluation_"
)


def _evaluated_checks(result) -> dict[AssetCheckKey, bool]:
    return {
        event.event_specific_data.asset_check_key: event.event_specific_data.passed
        for event in result.all_events
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    }


def test_dbt_models_built_in_two_runs_like_a_backfill(warehouse: Warehouse) -> None:
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    dbt_keys = {key for key in graph.materializable_asset_keys if key.path[0] != "raw"}
    after_details = AssetSelection.assets(DETAILS).downstream().resolve(graph)
    first = sorted(key for key in dbt_keys if key not in after_details)
    second = sorted(key for key in dbt_keys if key in after_details)
    assert EVALUATIONS in first and KPI_SCORES in second
    everything = defs.resolve_implicit_global_asset_job_def()

    def materialize(keys: list[AssetKey], partition_key: str | None = None) -> Any:
        result = everything.execute_in_process(
            asset_selection=keys,
            partition_key=partition_key,
            instance=warehouse.instance,
            raise_on_error=False,
        )
        assert result.success, failure_reason(result)
        return result

    for job in (vendor.once_job for vendor in VENDORS if vendor.once_job):
        assert defs.resolve_job_def(job).execute_in_process(instance=warehouse.instance).success
    for vendor in ("kore", "cqa"):
        raw = defs.resolve_job_def(vendor_named(VENDORS, vendor).daily_job)
        assert raw.execute_in_process(partition_key=DAY.isoformat(), instance=warehouse.instance)
    materialize([AssetKey(["raw", "evaluagent", "evaluations"])], DAY.isoformat())

    # Every raw asset has landed but the evaluation details: their models are not built yet.
    result = materialize(first)
    assert KPI_TO_EVALUATION not in _evaluated_checks(result)
    assert warehouse.scalar("select count(*) from marts.fct_evaluation") > 0

    materialize([DETAILS], DAY.isoformat())
    materialize(second)
    assert warehouse.scalar("select count(*) from marts.fct_kpi_score") > 0

    # The whole build, as the schedule runs it, tests the relationship across both.
    build = defs.resolve_job_def(BUILD_JOB).execute_in_process(instance=warehouse.instance)
    assert build.success
    assert _evaluated_checks(build)[KPI_TO_EVALUATION] is True
