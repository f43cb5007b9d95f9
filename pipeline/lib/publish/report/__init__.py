"""The scorecard report: one self-contained HTML page, charts drawn as inline SVG here, so it
opens anywhere with no network (no script or font is fetched).

Per vendor, since vendors score differently: the weekly score of the whole floor and of each
team, each agent's weekly trend with evaluations, fatal evaluations and audits, the KPIs most
often failed, and fatal evaluations and audits by week. A vendor filter at the top shows or
hides a vendor everywhere. Scores are `sum(score_pct_sum) / sum(scored_evaluations)` from
`agent_daily_scorecard`: exact over any week or team. `queries.py` reads the figures,
`charts.py` draws them, `page.py` lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipeline.lib.files import for_readers, readable_folder
from pipeline.lib.publish.report.charts import Colours
from pipeline.lib.publish.report.page import page
from pipeline.lib.publish.report.queries import read_report

REPORT_NAME = "scorecard.html"


def default_report_path(analytics_path: Path) -> Path:
    return analytics_path.parent / REPORT_NAME


def write_report(analytics_path: Path, output: Path, palette: Mapping[str, str]) -> Path:
    """Read the analyst copy, write the page (atomically: a reader never sees half of it).
    `palette` is each vendor's colour, from the registry."""
    data = read_report(analytics_path)
    html = page(data, Colours(palette, data.vendors))
    readable_folder(output.parent)
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(html, encoding="utf-8")
    for_readers(partial)
    partial.replace(output)
    return output
