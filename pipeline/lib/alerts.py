"""Someone hears of a failed run: a log line, and a hook an operator points at chat or e-mail.

`QA_ALERT_WEBHOOK_URL` receives a JSON POST (`{"text": ...}`, what Slack, Mattermost and
Teams incoming webhooks take); `QA_ALERT_COMMAND` is run with the message on its standard
input (`mail -s "qa-warehouse run failed" ops@example.com`, say). Either, both or neither.
"""

from __future__ import annotations

import logging
import shlex
import subprocess

import httpx
from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    run_failure_sensor,
)

from pipeline.lib.redaction import without_payload
from pipeline.lib.settings import WarehouseSettings
from pipeline.lib.step_failures import step_failure_reason

log = logging.getLogger(__name__)


def failure_message(context: RunFailureSensorContext, ui_url: str | None) -> str:
    run = context.dagster_run
    partition = run.tags.get("dagster/partition")
    where = f"{run.job_name}" + (f" for {partition}" if partition else "")
    lines = [f"qa-warehouse: run {run.run_id} of {where} failed"]
    for event in context.get_step_failure_events():
        # The record and the reason, never the payload an engine's error quotes back.
        reasons = step_failure_reason(event.step_failure_data).splitlines() or ["failed"]
        lines.append(f"- {event.step_key}: {reasons[0]}")
        lines.extend(f"  {line}" for line in reasons[1:] if line)
    if len(lines) == 1 and context.failure_event.message:
        lines.append(f"- {without_payload(context.failure_event.message)}")
    if ui_url:
        lines.append(f"{ui_url.rstrip('/')}/runs/{run.run_id}")
    return "\n".join(lines)


def send_alert(settings: WarehouseSettings, message: str) -> list[str]:
    """Deliver `message` to every configured hook; what went wrong, one line each (an alert
    that cannot be sent must not fail anything else)."""
    problems: list[str] = []
    if settings.alert_webhook_url:
        try:
            response = httpx.post(settings.alert_webhook_url, json={"text": message}, timeout=10)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            problems.append(f"QA_ALERT_WEBHOOK_URL: {type(exc).__name__}")
    if settings.alert_command:
        try:
            subprocess.run(
                shlex.split(settings.alert_command),
                input=message,
                text=True,
                timeout=30,
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            problems.append(f"QA_ALERT_COMMAND: {type(exc).__name__}")
    return problems


def build_run_failure_alerts(settings: WarehouseSettings) -> SensorDefinition:
    @run_failure_sensor(
        name="run_failure_alerts",
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Tells someone of every failed run: a log line, and QA_ALERT_WEBHOOK_URL or "
            "QA_ALERT_COMMAND when set."
        ),
    )
    def run_failure_alerts(context: RunFailureSensorContext) -> None:
        message = failure_message(context, settings.dagster_url)
        context.log.error(message)
        for problem in send_alert(settings, message):
            context.log.warning(f"the alert could not be sent: {problem}")

    return run_failure_alerts
