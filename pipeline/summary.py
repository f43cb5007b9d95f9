"""A terminal summary of the published marts."""

from __future__ import annotations

from pathlib import Path

import duckdb

MARTS = (
    "dim_agent",
    "bridge_agent_vendor",
    "fct_interaction",
    "fct_evaluation",
    "fct_kpi_score",
    "fct_audit",
    "agent_daily_scorecard",
)


def marts_summary(analytics_path: Path, top: int = 5) -> str:
    lines: list[str] = []
    with duckdb.connect(str(analytics_path), read_only=True) as conn:
        published = conn.execute("select published_at from main.publication").fetchone()
        lines.append(
            f"Analyst copy: {analytics_path} (published {published[0]:%Y-%m-%d %H:%M} UTC)"
        )
        lines.append("")
        lines.append(f"{'mart':<24}{'rows':>8}  by vendor")
        for mart in MARTS:
            (total,) = conn.execute(f"select count(*) from marts.{mart}").fetchone()
            if mart == "dim_agent":
                by_vendor = ""
            else:
                rows = conn.execute(
                    f"select vendor, count(*) from marts.{mart} group by vendor order by vendor"
                ).fetchall()
                by_vendor = ", ".join(f"{vendor} {count}" for vendor, count in rows)
            lines.append(f"{mart:<24}{total:>8}  {by_vendor}")
        lines.append("")
        lines.append(f"Top {top} agents by average score (all vendors):")
        ranked = conn.execute(
            """
            select a.display_name, e.vendor, count(*) as evaluations,
                   round(avg(e.score_pct), 1) as avg_score_pct
            from marts.fct_evaluation e
            join marts.dim_agent a using (agent_id)
            where e.score_pct is not null
            group by a.agent_id, a.display_name, e.vendor
            order by avg_score_pct desc, evaluations desc
            limit ?
            """,
            [top],
        ).fetchall()
        for name, vendor, evaluations, score in ranked:
            name = name or "(no name)"
            lines.append(f"  {name:<22}{vendor:<12}{evaluations:>5} evaluations  {score:>6}%")
    return "\n".join(lines)
