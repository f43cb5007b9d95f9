"""The report's page: one self-contained HTML file of the figures and charts."""

from __future__ import annotations

from datetime import date

from pipeline.lib.publish.report.charts import (
    Colours,
    bar_chart,
    column_chart,
    e,
    line_chart,
    sparkline,
)
from pipeline.lib.publish.report.queries import ReportData


def _agent_row(
    row: tuple,
    agent_weeks: dict[tuple[str, str], list[tuple[date, float]]],
    weeks: list[date],
    colours: Colours,
) -> str:
    agent_id, name, team, vendor, evaluations, score, fatal, audits, interactions = row
    colour = colours(vendor)
    trend = sparkline(agent_weeks.get((agent_id, vendor), []), weeks, colour)
    shown = "" if score is None else f"{score:.1f}%"
    return (
        f'<tr data-vendor="{e(vendor)}"><td>{e(name)}</td><td>{e(team)}</td>'
        f'<td><span class="dot" style="background:{colour}"></span>{e(vendor)}</td>'
        f"<td class=num>{interactions}</td><td class=num>{evaluations}</td>"
        f"<td class=num>{shown}</td><td>{trend}</td>"
        f"<td class=num>{fatal}</td><td class=num>{audits}</td></tr>"
    )


def page(data: ReportData, colours: Colours) -> str:
    published, vendors, weeks = data.published, data.vendors, data.weeks
    filters = "".join(
        f'<label class="chip" style="--c:{colours(v)}"><input type="checkbox" '
        f'data-filter="{e(v)}" checked> {e(v)}</label>'
        for v in vendors
    )
    team_cards = "".join(
        f'<div class="card"><h3>{e(team)}</h3>'
        f"{line_chart(series, weeks, colours, width=420, height=180, label=team)}</div>"
        for team, series in sorted(data.teams.items())
    )
    agent_rows = "".join(_agent_row(row, data.agent_weeks, weeks, colours) for row in data.agents)
    kpi_bars = [
        (vendor, name, float(rate), f"({failed} of {scored})")
        for vendor, name, rate, failed, scored in data.kpis
    ]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QA scorecard</title>
<style>
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1f2937; background: #f3f4f6; }}
header {{ background: #111827; color: #f9fafb; padding: 18px 28px; }}
header h1 {{ margin: 0 0 4px; font-size: 22px; }}
header p {{ margin: 0; color: #9ca3af; }}
main {{ padding: 20px 28px; max-width: 1320px; }}
section {{ background: #fff; border-radius: 10px; padding: 16px 20px; margin-bottom: 18px;
          box-shadow: 0 1px 2px rgba(0,0,0,.06); }}
h2 {{ font-size: 16px; margin: 0 0 10px; }}
h3 {{ font-size: 14px; margin: 0 0 6px; }}
.filters {{ display: flex; gap: 8px; flex-wrap: wrap; margin-top: 12px; }}
.chip {{ background: #1f2937; border: 2px solid var(--c); border-radius: 999px;
        padding: 3px 12px; cursor: pointer; user-select: none; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
         gap: 14px; }}
.card {{ border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px; }}
.chart {{ width: 100%; height: auto; max-width: 760px; }}
.grid {{ stroke: #e5e7eb; }}
.axis {{ fill: #6b7280; font-size: 11px; }}
.label, .value {{ fill: #374151; font-size: 12px; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ padding: 5px 8px; border-bottom: 1px solid #f1f5f9; text-align: left; }}
th {{ color: #6b7280; font-weight: 600; font-size: 12px; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.dot {{ display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; }}
.spark {{ width: 120px; height: 28px; }}
.note, .empty {{ color: #6b7280; }}
.hidden {{ display: none; }}
</style></head>
<body>
<header><h1>QA scorecard</h1>
<p>From the analyst copy published {published:%Y-%m-%d %H:%M} UTC. Scores are score_pct (0-100)
on each vendor's own scale: compare agents within a vendor.</p>
<div class="filters">{filters}</div></header>
<main>
<section><h2>Score by week, whole floor</h2>{line_chart(data.by_vendor, weeks, colours)}</section>
<section><h2>Score by week, per team</h2>
<div class="cards">{team_cards or '<p class="empty">No teams yet.</p>'}</div></section>
<section><h2>Agents</h2>
<table><thead><tr><th>Agent</th><th>Team</th><th>Vendor</th><th class=num>Interactions</th>
<th class=num>Evaluations</th><th class=num>Score</th><th>Weekly trend</th>
<th class=num>Fatal</th><th class=num>Audits</th></tr></thead><tbody>{agent_rows}</tbody></table>
</section>
<section><h2>KPIs most often failed</h2>{bar_chart(kpi_bars, colours, maximum=100.0)}
<p class="note">Failure rate among the evaluations that scored the KPI.</p></section>
<section><h2>Fatal evaluations by week</h2>{column_chart(data.fatal, weeks, colours)}</section>
<section><h2>Audits completed by week</h2>{column_chart(data.audits, weeks, colours)}</section>
</main>
<script>
for (const box of document.querySelectorAll("[data-filter]")) {{
  box.addEventListener("change", () => {{
    for (const el of document.querySelectorAll(`[data-vendor="${{box.dataset.filter}}"]`)) {{
      el.classList.toggle("hidden", !box.checked);
    }}
  }});
}}
</script>
</body></html>
"""
