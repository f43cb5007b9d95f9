"""Voxxi raw assets: calls submitted from the inbox, their analyses polled until final, and
the workspace's agents, refreshed each run."""

from datetime import timedelta
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    asset,
)

from pipeline.lib.conventions import vendor_asset_options
from pipeline.lib.pull.asset import materialize_windows
from pipeline.lib.pull.checks import raw_check_specs
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.asset import IN_DOUBT, OVERDUE, run_submissions, submission_check_specs
from pipeline.lib.submit.flow import Inbox
from pipeline.lib.warehouse import WarehouseResource
from pipeline.lib.windows import SNAPSHOT
from pipeline.voxxi.resources import VoxxiResource
from pipeline.voxxi.submit import VoxxiSubmitter

CALL_ANALYSES = Endpoint("voxxi", "call_analyses", results=True)
AGENTS = Endpoint(
    "voxxi",
    "agents",
    "$.data[*]",
    frozenset({"id", "userId", "name", "email", "image", "createdAt"}),
)
ENDPOINTS = (CALL_ANALYSES, AGENTS)
SUBMISSIONS_KEY = AssetKey(["raw", "voxxi", "submissions"])

COMMON = vendor_asset_options("voxxi")


def _submitter(voxxi: VoxxiResource, client) -> VoxxiSubmitter:
    return VoxxiSubmitter(
        client,
        voxxi.recordings,
        CALL_ANALYSES,
        timedelta(hours=voxxi.result_timeout_hours),
    )


def build_voxxi_assets(inbox_settle_seconds: float) -> list[AssetsDefinition]:
    @asset(
        key=SUBMISSIONS_KEY,
        check_specs=submission_check_specs(SUBMISSIONS_KEY, [IN_DOUBT]),
        description=(
            "Calls from the inbox submitted to Voxxi, one request each, every one recorded in "
            "raw.submissions before it is sent; a local recording is uploaded first."
        ),
        **COMMON,
    )
    def voxxi_submissions(
        context: AssetExecutionContext, voxxi: VoxxiResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = voxxi.client()
        try:
            return run_submissions(
                context,
                duckdb,
                _submitter(voxxi, client),
                Inbox(Path(voxxi.inbox_path), inbox_settle_seconds),
                poll=False,
            )
        finally:
            client.close()

    @asset(
        key=CALL_ANALYSES.asset_key,
        deps=[SUBMISSIONS_KEY],
        check_specs=submission_check_specs(CALL_ANALYSES.asset_key, [OVERDUE]),
        description=(
            "Each submitted call's analysis polled until it is final, every answer that "
            f"changed kept as received in {CALL_ANALYSES.table}; a call still unfinished "
            "after VOXXI_RESULT_TIMEOUT_HOURS is failed."
        ),
        **COMMON,
    )
    def voxxi_call_analyses(
        context: AssetExecutionContext, voxxi: VoxxiResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = voxxi.client()
        try:
            return run_submissions(context, duckdb, _submitter(voxxi, client), None, submit=False)
        finally:
            client.close()

    @asset(
        key=AGENTS.asset_key,
        check_specs=raw_check_specs(AGENTS.asset_key, AGENTS),
        description="Every active Voxxi agent (id, name, email), refreshed each run.",
        **COMMON,
    )
    def voxxi_agents(
        context: AssetExecutionContext, voxxi: VoxxiResource, duckdb: WarehouseResource
    ) -> MaterializeResult:
        client = voxxi.client()
        try:
            return materialize_windows(
                context,
                duckdb,
                AGENTS,
                client.http,
                lambda _: client.agent_pages,
                windows=[SNAPSHOT],
            )
        finally:
            client.close()

    return [voxxi_submissions, voxxi_call_analyses, voxxi_agents]
