"""Operations: a killed run cannot hold a pool for good, and a failed run reaches someone."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context

from pipeline.build import build_defs
from tests.conftest import DAY, only_vendor

ROOT = Path(__file__).resolve().parents[1]


def test_the_instance_watches_runs_and_frees_their_slots(tmp_path: Path) -> None:
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_runtime_seconds == 6 * 3600
        settings = instance.get_settings("run_monitoring")
        assert settings["free_slots_after_run_end_seconds"] == 300


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict]]]:
    """A chat webhook on loopback that keeps what it is sent."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks/ops", received
    finally:
        server.shutdown()


def test_a_failed_run_is_announced_to_the_hook_and_the_command(
    warehouse, sandbox, monkeypatch, tmp_path, hook
) -> None:
    url, received = hook
    only_vendor("KORE_", monkeypatch, warehouse)
    secret = sandbox.kore.client_secret + "-wrong"
    monkeypatch.setenv("KORE_CLIENT_SECRET", secret)
    monkeypatch.setenv("QA_ALERT_WEBHOOK_URL", url)
    mailbox = tmp_path / "mailbox.txt"
    monkeypatch.setenv("QA_ALERT_COMMAND", f"tee {mailbox}")
    monkeypatch.setenv("QA_DAGSTER_URL", "http://dagster.example.com")
    defs = build_defs()
    result = defs.resolve_job_def("kore_raw").execute_in_process(
        partition_key=DAY.isoformat(), instance=warehouse.instance, raise_on_error=False
    )
    assert not result.success
    failure = next(
        e for e in result.all_events if e.event_type == DagsterEventType.PIPELINE_FAILURE
    )
    sensor = defs.resolve_sensor_def("run_failure_alerts")
    context = build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_instance=warehouse.instance,
        dagster_run=result.dagster_run,
        dagster_event=failure,
    ).for_run_failure()
    sensor(context)

    assert len(received) == 1
    text = received[0]["text"]
    assert f"run {result.run_id} of kore_raw for {DAY.isoformat()} failed" in text
    assert "Kore rejected the credentials" in text
    assert text.endswith(f"http://dagster.example.com/runs/{result.run_id}")
    assert mailbox.read_text() == text
    assert secret not in text


def test_an_alert_names_the_failure_not_the_payload_it_quotes(warehouse) -> None:
    """DuckDB's errors quote the input they could not read: a failure alert keeps the step
    and the reason, never the record itself."""
    import duckdb
    from dagster import Definitions, asset, define_asset_job

    from pipeline.lib.alerts import failure_message

    record = '{"customer": "Jane Q. Public", "card": "4111 1111 1111 1111"'

    @asset
    def reads_a_record() -> None:
        duckdb.connect().execute("select ?::json", [record])

    job = Definitions(
        assets=[reads_a_record], jobs=[define_asset_job("reads", [reads_a_record])]
    ).resolve_job_def("reads")
    result = job.execute_in_process(instance=warehouse.instance, raise_on_error=False)
    assert not result.success
    failure = next(
        e for e in result.all_events if e.event_type == DagsterEventType.PIPELINE_FAILURE
    )
    context = build_run_status_sensor_context(
        sensor_name="run_failure_alerts",
        dagster_instance=warehouse.instance,
        dagster_run=result.dagster_run,
        dagster_event=failure,
    ).for_run_failure()
    text = failure_message(context, None)
    assert "reads_a_record" in text and "Malformed JSON" in text
    assert "4111" not in text and "Jane" not in text
