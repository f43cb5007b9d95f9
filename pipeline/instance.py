"""The Dagster instance the command line runs on: the same one the UI shows.

`DAGSTER_HOME` when it is set; otherwise the project's `dagster_home/` (its `dagster.yaml` is
the project's instance configuration), so that runs of `qa-warehouse run` and `make demo` are
in the UI of `make dev`, with their materializations, metadata and check results.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

PROJECT_HOME = Path(__file__).resolve().parents[1] / "dagster_home"


def dagster_home() -> Path | None:
    """Where the instance lives, or None when neither is there (an installed package run
    outside the project, with no `DAGSTER_HOME`)."""
    configured = os.environ.get("DAGSTER_HOME")
    if configured:
        return Path(configured).expanduser().resolve()
    if (PROJECT_HOME / "dagster.yaml").is_file():
        return PROJECT_HOME
    return None


def cli_instance() -> DagsterInstance:
    """The instance of `dagster_home()`; an in-memory one only when there is none, which
    keeps nothing once the command ends."""
    home = dagster_home()
    if home is None:
        return DagsterInstance.ephemeral()
    home.mkdir(parents=True, exist_ok=True)
    # Dagster reads the variable itself (its storage, its compute logs).
    os.environ["DAGSTER_HOME"] = str(home)
    return DagsterInstance.get()


HOST_TAG = "qa-warehouse/host"
PID_TAG = "qa-warehouse/pid"
_UNFINISHED = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def command_line_run_tags() -> dict[str, str]:
    """Tags of a run this process executes in-process: which process to ask if it still lives."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reclaim_abandoned_runs(instance: DagsterInstance) -> list[str]:
    """Fail the command line's runs whose process is gone, and free their pool slots.

    A run executed in-process holds its pools' slots (one per vendor, one for the DuckDB
    writer) in the instance's storage; killed with SIGKILL, or by the machine going down, it
    never gives them back, and every later run that needs the same pool would wait for ever.
    The daemon's run monitoring does this for runs it launched; the command line runs without a
    daemon, so it looks for its own dead runs, on this host, before it starts. Returns the run
    ids it reclaimed."""
    host = socket.gethostname()
    reclaimed = []
    for run in instance.get_runs(RunsFilter(statuses=_UNFINISHED, tags={HOST_TAG: host})):
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        if pid <= 0 or pid == os.getpid() or _alive(pid):
            continue
        instance.report_run_failed(
            run, f"the qa-warehouse process that ran it (pid {pid}) ended without finishing it"
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reclaimed.append(run.run_id)
    return reclaimed
