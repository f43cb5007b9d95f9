"""The Dagster UI in a real headless browser (Debian's chromium): the asset graph of every
vendor, a partitioned asset and the raw assets' checks are there."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.build import build_defs
from pipeline.vendors import VENDOR_NAMES, VENDORS
from tests import dagster_services

# End to end and long: `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The vendors whose main endpoint is landed by day (the freshness checks are theirs).
MAIN_ASSET = {v.name: "/".join(v.freshness.asset_key.path) for v in VENDORS if v.freshness}


def _vendor_assets() -> dict[str, list[str]]:
    """Every asset of each vendor's group, as the Definitions of an environment with every
    vendor configured (`vendor_env`) have them: what its graph in the UI must show."""
    defs = build_defs()
    found: dict[str, list[str]] = {}
    for key in defs.resolve_asset_graph().get_all_asset_keys():
        node = defs.resolve_assets_def(key)
        group = node.group_names_by_key.get(key)
        if group in VENDOR_NAMES and key.path[0] == "raw":
            found.setdefault(group, []).append(key.path[-1])
    return found


@pytest.fixture(scope="module")
def webserver(
    tmp_path_factory: pytest.TempPathFactory, sandbox_server, warehouse_home: Path
) -> Iterator[str]:
    home = dagster_services.instance_home(tmp_path_factory.mktemp("dagster_home"))
    env = {
        # The vendors are enabled (pointed at the sandbox); nothing here calls them.
        **sandbox_server.env(),
        # The worker's warehouse path, which dbt's parse is for (nothing here opens it).
        "QA_WAREHOUSE_PATH": str(warehouse_home / "warehouse.duckdb"),
        "QA_ANALYTICS_PATH": str(warehouse_home / "analytics.duckdb"),
    }
    with dagster_services.webserver(home, env) as url:
        yield url


def page_text(url: str, profile: Path) -> str:
    """The page as a person sees it, after the UI's scripts have run."""
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1600,4000",
            "--virtual-time-budget=30000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", result.stdout, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


@pytest.mark.parametrize("vendor", VENDOR_NAMES)
def test_every_vendor_graph_shows_its_assets(webserver, vendor_env, vendor, tmp_path) -> None:
    expected = _vendor_assets()[vendor]
    assert expected, f"{vendor} has no raw asset in its group"
    text = page_text(f"{webserver}/locations/qa_warehouse/asset-groups/{vendor}", tmp_path)
    assert f"{vendor} Asset Group" in text
    for name in expected:
        assert re.search(rf"\b{name}\b", text), f"{name} missing from the {vendor} graph"


@pytest.mark.parametrize("vendor", sorted(MAIN_ASSET))
def test_raw_assets_carry_their_checks(webserver, vendor, tmp_path) -> None:
    text = page_text(f"{webserver}/assets/{MAIN_ASSET[vendor]}?view=checks", tmp_path)
    for check in (
        "window_not_emptied",
        "no_quarantined_records",
        "no_unknown_keys",
        "freshness_check",
    ):
        assert check in text, f"{check} missing on {MAIN_ASSET[vendor]}"


def test_a_partitioned_asset_shows_its_daily_partitions(webserver, tmp_path) -> None:
    text = page_text(f"{webserver}/assets/raw/kore/rawdata?view=partitions", tmp_path)
    assert "Partitions" in text
    assert re.search(r"\b\d+ Partitions\b", text)
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", text)


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on RunConfigValidationInvalid { errors { message } }
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""

# (job, the resource and field a person could try to point elsewhere): every credential,
# base URL and storage path, and the command dbt runs.
OVERRIDES = [
    ("kore_raw", "kore", "base_url"),
    ("kore_raw", "kore", "client_secret"),
    ("kore_raw", "duckdb", "database"),
    ("evaluagent_raw", "evaluagent", "base_url"),
    ("evaluagent_raw", "evaluagent", "secret_key"),
    ("cqa_raw", "cqa", "base_url"),
    ("cqa_push", "cqa", "inbox_path"),
    ("voxxi_sync", "voxxi", "base_url"),
    ("voxxi_sync", "voxxi", "recordings_path"),
    ("exotel_sync", "exotel", "base_url"),
    ("exotel_sync", "exotel", "webhook_secret"),
    ("build_and_publish", "dbt", "dbt_executable"),
    ("build_and_publish", "analytics", "analytics_path"),
    ("build_and_publish", "analytics", "parquet_path"),
]


def _launch(url: str, job: str, run_config: dict) -> dict:
    params = {
        "selector": {
            "repositoryLocationName": "qa_warehouse",
            "repositoryName": "__repository__",
            "jobName": job,
        },
        "runConfigData": run_config,
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2026-03-23"}]},
    }
    return dagster_services.graphql(url, LAUNCH, {"params": params})["launchRun"]


def test_run_config_from_the_launchpad_reaches_no_credential_base_url_or_path(webserver) -> None:
    """What the Launchpad sends, through the UI's own API: a run whose config points any
    resource elsewhere is refused before it exists. A run without such config is accepted
    (queued: no daemon runs here), so the refusal is the override's."""
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from threading import Thread

    received: list[str] = []

    class Listener(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *_: object) -> None:
            pass

    other_host = HTTPServer(("127.0.0.1", 0), Listener)
    Thread(target=other_host.serve_forever, daemon=True).start()
    elsewhere = f"http://127.0.0.1:{other_host.server_address[1]}"
    try:
        for job, resource, field in OVERRIDES:
            value = elsewhere if field.endswith("url") else f"{elsewhere}/{field}"
            config = {"resources": {resource: {"config": {field: value}}}}
            answer = _launch(webserver, job, config)
            assert answer["__typename"] == "RunConfigValidationInvalid", (job, field, answer)
            messages = " ".join(error["message"] for error in answer["errors"])
            assert f'unexpected config entry "{field}"' in messages, messages
        assert _launch(webserver, "kore_raw", {})["__typename"] == "LaunchRunSuccess"
    finally:
        other_host.shutdown()
    assert received == [], "nothing was sent to another host"
