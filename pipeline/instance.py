"""The Dagster instance the command line runs on: the same one the UI shows.

`DAGSTER_HOME` when it is set; otherwise the project's `dagster_home/` (its `dagster.yaml` is
the project's instance configuration), so that runs of `qa-warehouse run` and `make demo` are
in the UI of `make dev`, with their materializations, metadata and check results.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterInstance

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
