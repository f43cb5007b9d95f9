"""The Dagster code location (workspace.yaml points here)."""

from pipeline.build import build_defs

defs = build_defs()
