"""What the marts' analyst settings are (the dbt project's own vars, such as the fewest
evaluations that rank an agent), for what reads the marts outside dbt: the report and the
command line's summary say what dbt computed with."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

DBT_PROJECT_FILE = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"


@functools.cache
def _vars() -> dict[str, Any]:
    return yaml.safe_load(DBT_PROJECT_FILE.read_text()).get("vars") or {}


def min_evaluations() -> int:
    """Evaluations an agent needs from a vendor for a standing (agent_weekly_standing)."""
    return int(_vars()["standing_min_evaluations"])


def tolerance_points() -> float:
    """How close an AI score must be to the human's to count as within tolerance."""
    return float(_vars()["calibration_tolerance_points"])
