"""Voxxi raw assets: calls submitted from the inbox, their analyses polled until final, and
the workspace's agents, refreshed each run."""

from datetime import timedelta
from pathlib import Path

from dagster import AssetKey, AssetsDefinition

from pipeline.lib.pull.factory import pull_asset
from pipeline.lib.raw_schema import Endpoint
from pipeline.lib.submit.asset import submissions_asset
from pipeline.lib.submit.submitter import Inbox
from pipeline.voxxi.client import VoxxiClient
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


def _submitter(voxxi: VoxxiResource, client: VoxxiClient) -> VoxxiSubmitter:
    return VoxxiSubmitter(
        client, voxxi.recordings, CALL_ANALYSES, timedelta(hours=voxxi.result_timeout_hours)
    )


def build_voxxi_assets(inbox_settle_seconds: float) -> list[AssetsDefinition]:
    return [
        submissions_asset(
            "voxxi",
            SUBMISSIONS_KEY,
            VoxxiClient,
            _submitter,
            inbox=lambda voxxi: Inbox(Path(voxxi.inbox_path), inbox_settle_seconds),
            poll=False,
            description=(
                "Calls from the inbox submitted to Voxxi, one request each, every one recorded "
                "in raw.submissions before it is sent; a local recording is uploaded first."
            ),
        ),
        submissions_asset(
            "voxxi",
            CALL_ANALYSES.asset_key,
            VoxxiClient,
            _submitter,
            submit=False,
            deps=[SUBMISSIONS_KEY],
            description=(
                "Each submitted call's analysis polled until it is final, every answer that "
                f"changed kept as received in {CALL_ANALYSES.table}; a call still unfinished "
                "after VOXXI_RESULT_TIMEOUT_HOURS is failed."
            ),
        ),
        pull_asset(
            "voxxi",
            AGENTS,
            VoxxiClient,
            lambda client, _window, on_bad: client.agent_pages(on_bad),
            description="Every active Voxxi agent (id, name, email), refreshed each run.",
        ),
    ]
