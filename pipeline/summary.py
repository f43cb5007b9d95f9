"""A terminal summary of the published marts: what is there, per vendor, on each vendor's own
terms (vendors score differently, so no figure mixes them)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.lib.analyst_settings import min_evaluations, tolerance_points

MARTS = (
    "dim_agent",
    "bridge_agent_vendor",
    "fct_interaction",
    "fct_interaction_insight",
    "fct_evaluation",
    "fct_kpi_score",
    "fct_audit",
    "agent_daily_scorecard",
    "agent_weekly_standing",
    "fct_score_calibration",
    "fct_kpi_calibration",
)


def marts_summary(analytics_path: Path, top: int = 3) -> str:
    lines: list[str] = []
    with duckdb.connect(str(analytics_path), read_only=True) as conn:
        published = conn.execute("select published_at from main.publication").fetchone()
        lines.append(
            f"Analyst copy: {analytics_path} (published {published[0]:%Y-%m-%d %H:%M} UTC)"
        )
        report = analytics_path.parent / "scorecard.html"
        if report.exists():
            lines.append(f"Report: {report}")
        lines.append("")
        lines.append(f"{'mart':<24}{'rows':>8}  by vendor")
        tables = {
            name
            for (name,) in conn.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        for mart in (m for m in MARTS if m in tables):
            (total,) = conn.execute(f"select count(*) from marts.{mart}").fetchone()
            by_vendor = ""
            if mart != "dim_agent":
                rows = conn.execute(
                    f"select vendor, count(*) from marts.{mart} group by vendor order by vendor"
                ).fetchall()
                by_vendor = ", ".join(f"{vendor} {count}" for vendor, count in rows)
            lines.append(f"{mart:<24}{total:>8}  {by_vendor}")
        fewest = min_evaluations()
        ranked = conn.execute(
            """
            with per_agent as (
                select s.vendor, a.display_name, sum(s.scored_evaluations) as evaluations,
                       sum(s.score_pct_sum) / sum(s.scored_evaluations) as score_pct
                from marts.agent_daily_scorecard s
                join marts.dim_agent a using (agent_id)
                group by all
                having sum(s.scored_evaluations) >= greatest(?, 1)
            )
            select vendor, display_name, evaluations, round(score_pct, 1)
            from per_agent
            qualify row_number() over (
                partition by vendor order by score_pct desc, evaluations desc
            ) <= ?
            order by vendor, score_pct desc
            """,
            [fewest, top],
        ).fetchall()
        (scored,) = (
            conn.execute(
                "select coalesce(sum(scored_evaluations), 0) from marts.agent_daily_scorecard"
            ).fetchone()
            if "agent_daily_scorecard" in tables
            else (0,)
        )
        calibration = (
            conn.execute(
                """
                select vendor, sum(score_pairs), sum(difference_sum) / sum(score_pairs),
                       100.0 * sum(within_tolerance_pairs) / sum(score_pairs)
                from marts.vendor_calibration_weekly
                group by vendor having sum(score_pairs) > 0 order by vendor
                """
            ).fetchall()
            if "vendor_calibration_weekly" in tables
            else []
        )
    if ranked:
        lines.append("")
        lines.append(
            f"Best {top} agents of each vendor (score_pct over all their evaluations; "
            f"at least {fewest} evaluations):"
        )
        for vendor, name, evaluations, score in ranked:
            name = name or "(no name)"
            lines.append(f"  {vendor:<12}{name:<22}{score:>6}%  of {evaluations} evaluations")
    elif scored:
        lines.append("")
        lines.append(
            f"No agent has the {fewest} evaluations from one vendor that a ranking needs yet "
            f"({scored} scored evaluations so far)."
        )
    if calibration:
        lines.append("")
        lines.append("The AI against people who scored the same conversations:")
        for vendor, pairs, bias, within in calibration:
            lines.append(
                f"  {vendor:<12}{pairs:>5} conversations, AI {float(bias):+.1f} points on "
                f"average, {float(within):.0f}% within {tolerance_points():g} points"
            )
    return "\n".join(lines)
