"""The scorecard report: one self-contained HTML page, charts drawn as inline SVG here, so it
opens anywhere with no network (no script or font is fetched).

Per vendor, since vendors score differently: the weekly score of the whole floor and of each
team, each agent's weekly trend with evaluations, fatal evaluations and audits, the KPIs most
often failed, and fatal evaluations and audits by week. A vendor filter at the top shows or
hides a vendor everywhere. Scores are `sum(score_pct_sum) / sum(scored_evaluations)` from
`agent_daily_scorecard`: exact over any week or team.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import duckdb

from pipeline.lib.files import for_readers, readable_folder

REPORT_NAME = "scorecard.html"
PALETTE = {
    "kore": "#2563eb",
    "evaluagent": "#16a34a",
    "cqa": "#d97706",
    "voxxi": "#9333ea",
    "exotel": "#dc2626",
}
OTHER_COLOURS = ("#0891b2", "#be185d", "#4d7c0f", "#7c2d12")


def default_report_path(analytics_path: Path) -> Path:
    return analytics_path.parent / REPORT_NAME


def _colour(vendor: str, vendors: Sequence[str]) -> str:
    if vendor in PALETTE:
        return PALETTE[vendor]
    return OTHER_COLOURS[vendors.index(vendor) % len(OTHER_COLOURS)]


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


# --- charts -------------------------------------------------------------------------------------

Series = dict[str, list[tuple[date, float]]]


def line_chart(
    series: Series,
    weeks: Sequence[date],
    vendors: Sequence[str],
    *,
    width: int = 640,
    height: int = 220,
    label: str = "score_pct by week",
) -> str:
    """Lines of 0-100 values by week, one per vendor."""
    left, right, top, bottom = 36, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    if not weeks:
        return f'<p class="empty">No scored evaluations yet ({_e(label)}).</p>'

    def x(week: date) -> float:
        if len(weeks) == 1:
            return left + plot_w / 2
        return left + plot_w * weeks.index(week) / (len(weeks) - 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, value)) / 100)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="axis" x="{left - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    step = max(1, len(weeks) // 8)
    for week in weeks[::step]:
        parts.append(
            f'<text class="axis" x="{x(week):.1f}" y="{height - 8}" text-anchor="middle">'
            f"{week:%d %b}</text>"
        )
    for vendor, points in series.items():
        if not points:
            continue
        colour = _colour(vendor, vendors)
        coords = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in points)
        parts.append(
            f'<g class="series" data-vendor="{_e(vendor)}">'
            f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{coords}"/>'
            + "".join(
                f'<circle cx="{x(w):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{_e(vendor)}, week of {w:%Y-%m-%d}: {v:.1f}%</title></circle>"
                for w, v in points
            )
            + "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(points: Sequence[tuple[date, float]], weeks: Sequence[date], colour: str) -> str:
    """A small 0-100 trend for a table cell."""
    width, height = 120, 28
    if not points or not weeks:
        return ""

    def x(week: date) -> float:
        return 2 + (width - 4) * (weeks.index(week) / max(1, len(weeks) - 1))

    def y(value: float) -> float:
        return 2 + (height - 4) * (1 - value / 100)

    coords = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in points)
    last_w, last_v = points[-1]
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{coords}"/>'
        f'<circle cx="{x(last_w):.1f}" cy="{y(last_v):.1f}" r="2.5" fill="{colour}"/></svg>'
    )


def bar_chart(
    bars: Sequence[tuple[str, str, float, str]],
    vendors: Sequence[str],
    *,
    width: int = 640,
    unit: str = "%",
    maximum: float | None = None,
) -> str:
    """Horizontal bars: (vendor, label, value, note), longest first."""
    if not bars:
        return '<p class="empty">Nothing to show.</p>'
    row, label_w = 26, 300
    height = row * len(bars) + 8
    top = maximum or max(v for _, _, v, _ in bars) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (vendor, label, value, note) in enumerate(bars):
        y = 4 + index * row
        length = (width - label_w - 90) * value / top
        text = label if len(label) <= 44 else label[:43] + "…"
        parts.append(
            f'<g class="bar" data-vendor="{_e(vendor)}">'
            f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{_e(text)}<title>{_e(label)} ({_e(vendor)})</title></text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(length, 1):.1f}" height="{row - 8}" '
            f'rx="3" fill="{_colour(vendor, vendors)}"/>'
            f'<text class="value" x="{label_w + length + 6:.1f}" y="{y + 16}">'
            f"{value:.0f}{unit} {_e(note)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    counts: dict[str, dict[date, int]], weeks: Sequence[date], vendors: Sequence[str]
) -> str:
    """Grouped columns of counts by week, one colour per vendor."""
    width, height, left, bottom, top = 640, 180, 36, 28, 10
    if not weeks or not any(any(c.values()) for c in counts.values()):
        return '<p class="empty">None in these weeks.</p>'
    peak = max(max(c.values(), default=0) for c in counts.values()) or 1
    group = (width - left - 8) / len(weeks)
    present = [v for v in vendors if v in counts]
    bar = max(2.0, (group - 6) / max(1, len(present)))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{height - bottom}" '
        f'y2="{height - bottom}"/>'
        f'<text class="axis" x="{left - 6}" y="{top + 8}" text-anchor="end">{peak}</text>'
    ]
    step = max(1, len(weeks) // 8)
    for index, week in enumerate(weeks):
        x0 = left + index * group + 3
        if index % step == 0:
            parts.append(
                f'<text class="axis" x="{x0 + group / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{week:%d %b}</text>'
            )
        for position, vendor in enumerate(present):
            value = counts[vendor].get(week, 0)
            h = (height - bottom - top) * value / peak
            parts.append(
                f'<rect data-vendor="{_e(vendor)}" x="{x0 + position * bar:.1f}" '
                f'y="{height - bottom - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{_colour(vendor, vendors)}"><title>{_e(vendor)}, week of '
                f"{week:%Y-%m-%d}: {value}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


# --- data -------------------------------------------------------------------------------------


def _weekly(rows: Iterable[tuple[str, date, float]]) -> Series:
    series: Series = defaultdict(list)
    for vendor, week, value in rows:
        series[vendor].append((week, float(value)))
    return dict(series)


def _counts(rows: Iterable[tuple[str, date, int]]) -> dict[str, dict[date, int]]:
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for vendor, week, value in rows:
        counts[vendor][week] = int(value)
    return dict(counts)


WEEKLY_BY_VENDOR = """
    select vendor, date_trunc('week', date)::date as week,
           sum(score_pct_sum) / sum(scored_evaluations) as score_pct
    from marts.agent_daily_scorecard
    group by all having sum(scored_evaluations) > 0 order by week
"""
WEEKLY_BY_TEAM = """
    select coalesce(a.team_name, 'No team') as team, s.vendor,
           date_trunc('week', s.date)::date as week,
           sum(s.score_pct_sum) / sum(s.scored_evaluations) as score_pct
    from marts.agent_daily_scorecard s join marts.dim_agent a using (agent_id)
    group by all having sum(s.scored_evaluations) > 0 order by team, week
"""
AGENTS = """
    select a.agent_id, coalesce(a.display_name, '(no name)') as name,
           coalesce(a.team_name, '') as team, s.vendor,
           sum(s.evaluations) as evaluations,
           sum(s.score_pct_sum) / nullif(sum(s.scored_evaluations), 0) as score_pct,
           sum(s.fatal_evaluations) as fatal, sum(s.audits_completed) as audits,
           sum(s.interactions) as interactions
    from marts.agent_daily_scorecard s join marts.dim_agent a using (agent_id)
    group by all order by team, name, s.vendor
"""
AGENT_WEEKS = """
    select agent_id, vendor, date_trunc('week', date)::date as week,
           sum(score_pct_sum) / sum(scored_evaluations) as score_pct
    from marts.agent_daily_scorecard
    group by all having sum(scored_evaluations) > 0 order by week
"""
FAILED_KPIS = """
    select vendor, kpi_name, 100.0 * count(*) filter (where is_failed) / count(is_failed) as rate,
           count(*) filter (where is_failed) as failed, count(is_failed) as scored
    from marts.fct_kpi_score
    where is_failed is not null
    group by all having count(*) filter (where is_failed) > 0
    order by failed desc, rate desc limit 12
"""
FATAL_BY_WEEK = """
    select vendor, date_trunc('week', date)::date as week, sum(fatal_evaluations)
    from marts.agent_daily_scorecard group by all order by week
"""
AUDITS_BY_WEEK = """
    select vendor, date_trunc('week', date)::date as week, sum(audits_completed)
    from marts.agent_daily_scorecard group by all order by week
"""


def write_report(analytics_path: Path, output: Path) -> Path:
    """Read the analyst copy, write the page (atomically: a reader never sees half of it)."""
    with duckdb.connect(str(analytics_path), read_only=True) as conn:
        published = conn.execute("select published_at from main.publication").fetchone()[0]
        by_vendor = _weekly(conn.execute(WEEKLY_BY_VENDOR).fetchall())
        teams: dict[str, Series] = defaultdict(dict)
        for team, vendor, week, value in conn.execute(WEEKLY_BY_TEAM).fetchall():
            teams[team].setdefault(vendor, []).append((week, float(value)))
        agents = conn.execute(AGENTS).fetchall()
        agent_weeks: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
        for agent_id, vendor, week, value in conn.execute(AGENT_WEEKS).fetchall():
            agent_weeks[(agent_id, vendor)].append((week, float(value)))
        kpis = conn.execute(FAILED_KPIS).fetchall()
        fatal = _counts(conn.execute(FATAL_BY_WEEK).fetchall())
        audits = _counts(conn.execute(AUDITS_BY_WEEK).fetchall())
        weeks = [
            w
            for (w,) in conn.execute(
                "select distinct date_trunc('week', date)::date from marts.agent_daily_scorecard "
                "order by 1"
            ).fetchall()
        ]
        vendors = [
            v
            for (v,) in conn.execute(
                "select distinct vendor from marts.agent_daily_scorecard order by 1"
            ).fetchall()
        ]
    page = _page(
        published, vendors, weeks, by_vendor, teams, agents, agent_weeks, kpis, fatal, audits
    )
    readable_folder(output.parent)
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(page, encoding="utf-8")
    for_readers(partial)
    partial.replace(output)
    return output


def _agent_row(
    row: tuple,
    agent_weeks: dict[tuple[str, str], list[tuple[date, float]]],
    weeks: list[date],
    vendors: list[str],
) -> str:
    agent_id, name, team, vendor, evaluations, score, fatal, audits, interactions = row
    colour = _colour(vendor, vendors)
    trend = sparkline(agent_weeks.get((agent_id, vendor), []), weeks, colour)
    shown = "" if score is None else f"{score:.1f}%"
    return (
        f'<tr data-vendor="{_e(vendor)}"><td>{_e(name)}</td><td>{_e(team)}</td>'
        f'<td><span class="dot" style="background:{colour}"></span>{_e(vendor)}</td>'
        f"<td class=num>{interactions}</td><td class=num>{evaluations}</td>"
        f"<td class=num>{shown}</td><td>{trend}</td>"
        f"<td class=num>{fatal}</td><td class=num>{audits}</td></tr>"
    )


def _page(
    published,  # type: ignore[no-untyped-def]
    vendors: list[str],
    weeks: list[date],
    by_vendor: Series,
    teams: dict[str, Series],
    agents: list[tuple],
    agent_weeks: dict[tuple[str, str], list[tuple[date, float]]],
    kpis: list[tuple],
    fatal: dict[str, dict[date, int]],
    audits: dict[str, dict[date, int]],
) -> str:
    filters = "".join(
        f'<label class="chip" style="--c:{_colour(v, vendors)}"><input type="checkbox" '
        f'data-filter="{_e(v)}" checked> {_e(v)}</label>'
        for v in vendors
    )
    team_cards = "".join(
        f'<div class="card"><h3>{_e(team)}</h3>'
        f"{line_chart(series, weeks, vendors, width=420, height=180, label=team)}</div>"
        for team, series in sorted(teams.items())
    )
    agent_rows = "".join(_agent_row(row, agent_weeks, weeks, vendors) for row in agents)
    kpi_bars = [
        (vendor, name, float(rate), f"({failed} of {scored})")
        for vendor, name, rate, failed, scored in kpis
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
<section><h2>Score by week, whole floor</h2>{line_chart(by_vendor, weeks, vendors)}</section>
<section><h2>Score by week, per team</h2>
<div class="cards">{team_cards or '<p class="empty">No teams yet.</p>'}</div></section>
<section><h2>Agents</h2>
<table><thead><tr><th>Agent</th><th>Team</th><th>Vendor</th><th class=num>Interactions</th>
<th class=num>Evaluations</th><th class=num>Score</th><th>Weekly trend</th>
<th class=num>Fatal</th><th class=num>Audits</th></tr></thead><tbody>{agent_rows}</tbody></table>
</section>
<section><h2>KPIs most often failed</h2>{bar_chart(kpi_bars, vendors, maximum=100.0)}
<p class="note">Failure rate among the evaluations that scored the KPI.</p></section>
<section><h2>Fatal evaluations by week</h2>{column_chart(fatal, weeks, vendors)}</section>
<section><h2>Audits completed by week</h2>{column_chart(audits, weeks, vendors)}</section>
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
