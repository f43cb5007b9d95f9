"""What the report reads from the analyst copy: the SQL, and the figures it gives."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipeline.lib.publish.report.charts import Series


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


@dataclass(frozen=True)
class ReportData:
    published: datetime
    vendors: list[str]
    weeks: list[date]
    by_vendor: Series
    teams: dict[str, Series]
    agents: list[tuple]
    agent_weeks: dict[tuple[str, str], list[tuple[date, float]]]
    kpis: list[tuple]
    fatal: dict[str, dict[date, int]]
    audits: dict[str, dict[date, int]]


def read_report(analytics_path: Path) -> ReportData:
    """Every figure of the page, read from the analyst copy in one connection."""
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
    return ReportData(
        published, vendors, weeks, by_vendor, dict(teams), agents, agent_weeks, kpis, fatal, audits
    )
