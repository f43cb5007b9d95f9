"""Exotel CQA raw assets: the day's analyses (List Analyses), then each one's full breakdown
and its interaction. Re-pulling a window picks up QA reviews that arrived since."""

from collections.abc import Callable, Iterator
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from pipeline.cqa.client import CqaClient
from pipeline.cqa.push import push_inbox
from pipeline.cqa.resources import CqaResource
from pipeline.lib.checks import raw_check_specs
from pipeline.lib.extract import Page
from pipeline.lib.http import ClientRequestError, InvalidBodyHook
from pipeline.lib.landing import Endpoint, landed_values, register_endpoint
from pipeline.lib.raw_asset import materialize_windows, raw_asset_key
from pipeline.lib.warehouse import WRITER_POOL, WarehouseResource, api_pool
from pipeline.lib.windows import Window

ANALYSES = register_endpoint(
    "cqa",
    "analyses",
    "$.data.analyses[*]",
    (
        "analysis_id",
        "interaction_id",
        "external_interaction_id",
        "profile_id",
        "status",
        "ai_score",
        "qa_score",
        "final_score",
        "criticality_adjusted_score",
        "metadata",
        "created_at",
    ),
)
ANALYSIS_DETAILS = register_endpoint("cqa", "analysis_details")
INTERACTIONS = register_endpoint("cqa", "interactions")


def _each(
    ids: list[str], fetch: Callable[[str, int, InvalidBodyHook], Page], on_bad: InvalidBodyHook
) -> Iterator[Page]:
    for number, item in enumerate(ids, start=1):
        try:
            yield fetch(item, number, on_bad)
        except ClientRequestError as exc:
            if exc.status != 404:
                raise
            on_bad(f"{item}", str(exc), "listed but not found (404)")


def build_cqa_assets(partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    common = {
        "partitions_def": partitions_def,
        "backfill_policy": BackfillPolicy.multi_run(max_partitions_per_run=7),
        "group_name": "cqa",
        "kinds": {"python", "duckdb"},
        "pool": api_pool("cqa"),
    }

    @asset(
        key=raw_asset_key(ANALYSES),
        description="CQA List Analyses pages for the UTC day.",
        check_specs=raw_check_specs(raw_asset_key(ANALYSES), ANALYSES),
        **common,
    )
    def cqa_analyses(
        context: AssetExecutionContext, cqa: CqaResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = cqa.client()
        try:
            return materialize_windows(
                context,
                duckdb,
                ANALYSES,
                client.http,
                lambda window: lambda on_bad: client.analysis_pages(window, on_bad),
            )
        finally:
            client.close()

    def per_listed(endpoint: Endpoint, id_path: str, fetch_name: str, description: str):
        @asset(
            key=raw_asset_key(endpoint),
            deps=[raw_asset_key(ANALYSES)],
            description=description,
            check_specs=raw_check_specs(raw_asset_key(endpoint), endpoint),
            **common,
        )
        def _detail(
            context: AssetExecutionContext, cqa: CqaResource, duckdb: WarehouseResource
        ) -> MaterializeResult:
            client: CqaClient = cqa.client()
            fetch = getattr(client, fetch_name)

            def ids(window: Window) -> list[str]:
                with duckdb.get_connection() as conn:
                    rows = landed_values(conn, ANALYSES, window, "$.data.analyses[*]", [id_path])
                return [value for (value,) in rows if value]

            try:
                return materialize_windows(
                    context,
                    duckdb,
                    endpoint,
                    client.http,
                    lambda window: lambda on_bad: _each(ids(window), fetch, on_bad),
                )
            finally:
                client.close()

        return _detail

    @asset(
        key=AssetKey(["raw", "cqa", "push_ledger"]),
        group_name="cqa",
        kinds={"python", "duckdb"},
        pool=WRITER_POOL,
        description=(
            "Interactions from the inbox pushed to CQA in batches of at most 100, with a ledger "
            "of what was sent; batch jobs tracked and pending interactions polled each run."
        ),
    )
    def cqa_push(
        context: AssetExecutionContext, cqa: CqaResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = cqa.client()
        try:
            with duckdb.get_connection() as conn:
                counts = push_inbox(
                    conn, client, Path(cqa.inbox_path), cqa.column_mapping, context.run_id
                )
        finally:
            client.close()
        if counts["rejected"]:
            context.log.warning(
                f"cqa: {counts['rejected']} inbox rows rejected; see raw.cqa__push_ledger"
            )
        return MaterializeResult(
            metadata={name: MetadataValue.int(value) for name, value in sorted(counts.items())}
        )

    return [
        cqa_push,
        cqa_analyses,
        per_listed(
            ANALYSIS_DETAILS,
            "$.analysis_id",
            "analysis_detail",
            "Each listed analysis in full: categories, sub-categories, KPIs, QA overrides.",
        ),
        per_listed(
            INTERACTIONS,
            "$.interaction_id",
            "interaction",
            "Each listed analysis's interaction: channel, status, failure reason, metadata.",
        ),
    ]
