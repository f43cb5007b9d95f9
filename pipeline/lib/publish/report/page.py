"""The report's page: one self-contained HTML file of the figures and charts. It answers the
two questions a QA lead asks first (how does each agent stand across our tools; can we trust
the AI's scores), then shows each vendor's scores on its own scale."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from pipeline.lib.publish.report.charts import (
    Colours,
    bars,
    column_chart,
    e,
    line_chart,
    scatter_chart,
    sparkline,
)
from pipeline.lib.publish.report.queries import Calibration, ReportData
from pipeline.lib.publish.report.style import CSS, SCRIPT


def told_apart(people: Iterable[tuple[str, str, str, str]]) -> dict[str, str]:
    """Each agent's name as the page shows it, from (agent_id, name, team, email): a name two
    people share gets their team, or their e-mail where the team does not tell them apart."""
    people = list({agent_id: (name, team, email) for agent_id, name, team, email in people}.items())
    by_name: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for agent_id, (name, team, email) in people:
        by_name[name].append((agent_id, team, email))
    shown = {}
    for name, same in by_name.items():
        teams = [team for _, team, _ in same]
        for agent_id, team, email in same:
            if len(same) == 1:
                shown[agent_id] = name
            elif team and teams.count(team) == 1:
                shown[agent_id] = f"{name} ({team})"
            else:
                shown[agent_id] = f"{name} ({email or agent_id[:8]})"
    return shown


def _cell(value: float | None, text: str, *, few: bool = False) -> str:
    sort = "" if value is None else f"{value:.4f}"
    return f'<td class="num{" few" if few else ""}" data-value="{sort}">{text}</td>'


def _standing(data: ReportData, colours: Colours, names: dict[str, str]) -> str:
    if not data.standing or data.standing_week is None:
        return '<p class="empty">No agent has enough evaluations to stand among others yet.</p>'
    vendors = sorted({row[4] for row in data.standing}, key=data.vendors.index)
    agents: dict[str, dict] = {}
    for agent_id, _, team, _, vendor, evaluations, ranked, pct, combined, behind in data.standing:
        agent = agents.setdefault(
            agent_id, {"team": team, "combined": combined, "behind": behind, "vendors": {}}
        )
        agent["vendors"][vendor] = (evaluations, ranked, pct)
    rows = []
    for agent_id, agent in agents.items():
        cells = []
        for vendor in vendors:
            evaluations, ranked, pct = agent["vendors"].get(vendor, (0, False, None))
            if not evaluations:
                cells.append(_cell(None, ""))
            elif not ranked:
                cells.append(_cell(None, f"too few ({evaluations})", few=True))
            else:
                text = "alone" if pct is None else f"{pct:.0f}"
                cells.append(_cell(pct, f"{text} <span class=note>({evaluations})</span>"))
        combined = agent["combined"]
        rows.append(
            f"<tr><td>{e(names[agent_id])}</td><td>{e(agent['team'])}</td>"
            + (
                _cell(combined, f"<b>{combined:.0f}</b>")
                if combined is not None
                else _cell(None, "not ranked", few=True)
            )
            + _cell(agent["behind"], str(agent["behind"] or ""))
            + "".join(cells)
            + "</tr>"
        )
    heads = "".join(
        f'<th class="num" data-sort="number" data-vendor="{e(v)}">'
        f'<span class="dot" style="background:{colours(v)}"></span>{e(v)}</th>'
        for v in vendors
    )
    week = data.standing_week
    return (
        f"<p class=note>Week of {week:%d %b %Y} (to {week + timedelta(days=6):%d %b}). Each "
        "vendor ranks the agents it scored that week: an agent's percentile is the share of "
        "the others they scored above (ties count half; 100 is the week's best). The combined "
        "standing weights each vendor's percentile by the agent's evaluations there. An agent "
        f"with fewer than {data.min_evaluations} evaluations from a vendor is not ranked by it. "
        "Percentiles, not scores: each vendor scores on its own scale. Click a heading to sort."
        "</p><table><thead><tr><th data-sort=text>Agent</th><th data-sort=text>Team</th>"
        "<th class=num data-sort=number>Combined</th><th class=num data-sort=number>"
        f"Evaluations</th>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _figure(value: str, label: str) -> str:
    return f'<div class="figure"><b>{value}</b><span>{e(label)}</span></div>'


NONE = "&ndash;"


def _signed(value: float | None) -> str:
    return NONE if value is None else f"{value:+.1f}"


def _calibration_card(item: Calibration, colours: Colours, tolerance: float) -> str:
    figures = "".join(
        [
            _figure(str(item.pairs), "conversations scored by both"),
            _figure(_signed(item.bias), "bias: AI minus human, points"),
            _figure(
                NONE if item.mean_absolute is None else f"{item.mean_absolute:.1f}",
                "mean absolute difference",
            ),
            _figure(
                NONE if item.within_tolerance is None else f"{item.within_tolerance:.0f}%",
                f"within {tolerance:g} points",
            ),
            _figure(
                NONE if item.agreement is None else f"{item.agreement:.0f}%",
                f"pass/fail answers agreeing ({item.pass_fail_pairs})",
            ),
            _figure(NONE if item.kappa is None else f"{item.kappa:.2f}", "Cohen's kappa"),
        ]
    )
    return (
        f'<div class="card" data-vendor="{e(item.vendor)}"><h3><span class="dot" '
        f'style="background:{colours(item.vendor)}"></span>{e(item.vendor)}</h3>'
        f'<div class="calibration">'
        f"{scatter_chart(item.scatter, colours(item.vendor), item.vendor, tolerance=tolerance)}"
        f'<div><div class="figures">{figures}</div><p class="note">Each point is a conversation'
        " the AI and a person both scored; on the dashed line they agree, inside the band "
        "they are within tolerance. Above the line, the person scored higher.</p></div></div>"
        "</div>"
    )


def _calibration(data: ReportData, colours: Colours) -> str:
    if not data.calibration:
        return '<p class="empty">No conversation is scored both by an AI and by a person yet.</p>'
    partial = data.partial_weeks
    weeks = sorted({w for rows in data.calibration_weeks.values() for w, _, _ in rows})
    bias = {
        v: [(w, b) for w, b, _ in rows if b is not None]
        for v, rows in data.calibration_weeks.items()
    }
    agreement = {
        v: [(w, a) for w, _, a in rows if a is not None]
        for v, rows in data.calibration_weeks.items()
    }
    reach = max([abs(b) for points in bias.values() for _, b in points] + [10.0])
    reach = float(-(-reach // 10) * 10)
    kpi_rows = [
        (vendor, name, float(rate), f"{disagreed} of {pairs} answers")
        for vendor, name, rate, disagreed, pairs in data.disagreeing_kpis
    ]
    return (
        "".join(_calibration_card(c, colours, data.tolerance) for c in data.calibration)
        + '<div class="cards"><div class="card"><h3>Bias by week (AI minus human, points)</h3>'
        + line_chart(
            bias,
            weeks,
            colours,
            partial=partial,
            width=560,
            height=220,
            low=-reach,
            high=reach,
            unit=" points",
            label="bias by week",
        )
        + '</div><div class="card"><h3>Pass/fail answers agreeing, by week</h3>'
        + line_chart(
            agreement,
            weeks,
            colours,
            partial=partial,
            width=560,
            height=220,
            label="agreement by week",
        )
        + "</div></div><h3 style='margin-top:14px'>KPIs where the AI and people disagree most"
        + "</h3>"
        + bars(kpi_rows, colours)
        + "<p class=note>Share of the pass/fail answers to the KPI where the person's answer "
        "was not the AI's.</p>"
    )


def _agent_row(row: tuple, data: ReportData, colours: Colours, names: dict[str, str]) -> str:
    agent_id, _, team, _, vendor, evaluations, score, scored, fatal, audits, interactions = row
    colour = colours(vendor)
    trend = sparkline(data.agent_weeks.get((agent_id, vendor), []), data.weeks, colour)
    few = scored < data.min_evaluations
    shown = "" if score is None else f"{score:.1f}%" + (" (too few)" if few else "")
    return (
        f'<tr data-vendor="{e(vendor)}"><td>{e(names[agent_id])}</td><td>{e(team)}</td>'
        f'<td><span class="dot" style="background:{colour}"></span>{e(vendor)}</td>'
        f"<td class=num>{interactions}</td><td class=num>{evaluations}</td>"
        + _cell(None if few else score, shown, few=few)
        + f"<td>{trend}</td><td class=num>{fatal}</td><td class=num>{audits}</td></tr>"
    )


def _range(data: ReportData) -> str:
    if data.first_day is None or data.last_day is None:
        return "No data yet."
    partial = len(data.partial_weeks)
    return (
        f"Data from {data.first_day:%d %b %Y} to {data.last_day:%d %b %Y}: {len(data.weeks)} "
        f"week{'s' if len(data.weeks) != 1 else ''}"
        + (f", {partial} of them partial (*)" if partial else "")
        + "."
    )


def page(data: ReportData, colours: Colours) -> str:
    weeks, partial = data.weeks, data.partial_weeks
    names = told_apart([row[:4] for row in data.agents] + [row[:4] for row in data.standing])
    filters = "".join(
        f'<label class="chip" style="--c:{colours(v)}"><input type="checkbox" '
        f'data-filter="{e(v)}" checked> {e(v)}</label>'
        for v in data.vendors
    )
    team_cards = "".join(
        f'<div class="card"><h3>{e(team)}</h3>'
        + line_chart(series, weeks, colours, partial=partial, width=560, height=220, label=team)
        + "</div>"
        for team, series in sorted(data.teams.items())
    )
    agent_rows = "".join(_agent_row(row, data, colours, names) for row in data.agents)
    kpi_rows = [
        (vendor, name, float(rate), f"{failed} of {scored}")
        for vendor, name, rate, failed, scored in data.kpis
    ]
    partial_note = (
        "<p class=note>* partial week: the data covers fewer than seven of its days.</p>"
        if partial
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QA scorecard</title>
<style>{CSS}</style></head>
<body>
<header><h1>QA scorecard</h1>
<p class="range">{e(_range(data))}</p>
<p>From the analyst copy published {data.published:%Y-%m-%d %H:%M} UTC. Scores are score_pct
(0-100) on each vendor's own scale; the standing compares agents across vendors.</p>
<div class="filters">{filters}</div></header>
<main>
<section><h2>How is each agent doing across all our QA tools?</h2>
{_standing(data, colours, names)}</section>
<section><h2>Can we trust the AI's scores?</h2>{_calibration(data, colours)}</section>
<section><h2>Score by week, whole floor</h2>
{line_chart(data.by_vendor, weeks, colours, partial=partial)}{partial_note}</section>
<section><h2>Score by week, per team</h2>
<div class="cards">{team_cards or '<p class="empty">No teams yet.</p>'}</div></section>
<section><h2>Agents</h2>
<p class=note>Over every week shown. A score on fewer than {data.min_evaluations} evaluations
is marked and sorts last. Click a heading to sort.</p>
<table><thead><tr><th data-sort=text>Agent</th><th data-sort=text>Team</th>
<th data-sort=text>Vendor</th><th class=num data-sort=number>Interactions</th>
<th class=num data-sort=number>Evaluations</th><th class=num data-sort=number>Score</th>
<th>Weekly trend</th><th class=num data-sort=number>Fatal</th>
<th class=num data-sort=number>Audits</th></tr></thead><tbody>{agent_rows}</tbody></table>
</section>
<section><h2>KPIs most often failed</h2>{bars(kpi_rows, colours)}
<p class="note">Failure rate among the evaluations that scored the KPI (KPIs scored at least
five times).</p></section>
<section><h2>Fatal evaluations by week</h2>
{column_chart(data.fatal, weeks, colours, partial=partial)}</section>
<section><h2>Audits completed by week</h2>
{column_chart(data.audits, weeks, colours, partial=partial)}</section>
</main>
<script>{SCRIPT}</script>
</body></html>
"""
