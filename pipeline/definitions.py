"""The Dagster code location (workspace.yaml points here)."""

from pipeline.build import build_defs
from pipeline.lib.files import keep_private

# The code server and every run worker import this first: what they write of the vendors'
# data (warehouse, spools, journal, logs) is their owner's alone.
keep_private()
defs = build_defs()
