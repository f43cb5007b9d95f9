"""What a failed Dagster step says to a person: the reason, never Dagster's wrapper.

Dagster wraps an exception raised in a step (`DagsterExecutionStepExecutionError: Error
occurred while executing op ...`); the reason is the exception it wraps, or the description
of a `Failure` the step raised itself. What an engine's error quotes back (a payload) is cut.
"""

from __future__ import annotations

from dagster._core.execution.plan.objects import StepFailureData
from dagster._utils.error import SerializableErrorInfo

from pipeline.lib.redaction import without_payload


def root_cause(error: SerializableErrorInfo) -> str:
    """The reason of the innermost exception Dagster's error wraps (raised from it, or while
    handling it), without a class name: a person reads what is wrong, not where in Python.
    A bare exception with nothing to say gives its type."""
    while (inner := error.cause or error.context) is not None:
        error = inner
    message = error.message.strip()
    # Dagster writes `module.Type: message`.
    prefix, colon, said = message.partition(": ")
    if colon and prefix.endswith(error.cls_name):
        message = said.strip()
    return without_payload(message) if message else error.cls_name


def step_failure_reason(data: StepFailureData | None) -> str:
    """One step's reason: its own description (a `Failure`, one line per failed day), else
    the exception that stopped it."""
    if data is None:
        return "failed"
    user = data.user_failure_data
    if user is not None and user.description:
        return "\n".join(without_payload(line) for line in user.description.splitlines())
    if data.error is not None:
        return root_cause(data.error)
    return "failed"
