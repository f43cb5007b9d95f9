"""What the report reads from the analyst copy: the SQL, and the figures it gives."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from pipeline.lib.analyst_settings import min_evaluations, tolerance_points
from pipeline.lib.publish.report.charts import Series

# A KPI needs this many answers before its rate is ranked among the others: one failure in
# one answer is not the floor's most failed KPI.
MIN_KPI_ANSWERS = 5


def _weekly(rows: Iterable[tuple[str, date, float]]) -> Series:
    series: Series = defaultdict(list)
    for vendor, week, value in rows:
        if value is not None:
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
           coalesce(a.team_name, '') as team, coalesce(a.email, '') as email, s.vendor,
           sum(s.evaluations) as evaluations,
           sum(s.score_pct_sum) / nullif(sum(s.scored_evaluations), 0) as score_pct,
           sum(s.scored_evaluations) as scored,
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
FAILED_KPIS = f"""
    select vendor, kpi_name, 100.0 * count(*) filter (where is_failed) / count(is_failed) as rate,
           count(*) filter (where is_failed) as failed, count(is_failed) as scored
    from marts.fct_kpi_score
    where is_failed is not null
    group by all
    having count(*) filter (where is_failed) > 0 and count(is_failed) >= {MIN_KPI_ANSWERS}
    order by rate desc, scored desc, kpi_name limit 12
"""
FATAL_BY_WEEK = """
    select vendor, date_trunc('week', date)::date as week, sum(fatal_evaluations)
    from marts.agent_daily_scorecard group by all order by week
"""
AUDITS_BY_WEEK = """
    select vendor, date_trunc('week', date)::date as week, sum(audits_completed)
    from marts.agent_daily_scorecard group by all order by week
"""
STANDING_WEEKS = """
    select week_start, count(*) filter (where is_ranked)
    from marts.agent_weekly_standing group by 1 order by 1
"""
STANDING = """
    select s.agent_id, coalesce(a.display_name, '(no name)'), coalesce(a.team_name, ''),
           coalesce(a.email, ''), s.vendor, s.evaluations, s.is_ranked, s.vendor_percentile,
           s.combined_percentile, s.combined_evaluations
    from marts.agent_weekly_standing s join marts.dim_agent a using (agent_id)
    where s.week_start = ?
    order by s.combined_percentile desc nulls last, a.display_name
"""
CALIBRATION = """
    select vendor, sum(score_pairs), sum(difference_sum) / nullif(sum(score_pairs), 0),
           sum(absolute_difference_sum) / nullif(sum(score_pairs), 0),
           100.0 * sum(within_tolerance_pairs) / nullif(sum(score_pairs), 0),
           sum(pass_fail_pairs),
           100.0 * sum(pass_fail_agreements) / nullif(sum(pass_fail_pairs), 0),
           sum(pass_fail_agreements), sum(ai_passes), sum(human_passes)
    from marts.vendor_calibration_weekly group by vendor order by vendor
"""
CALIBRATION_PAIRS = """
    select vendor, ai_score_pct, human_score_pct, vendor_interaction_id
    from marts.fct_score_calibration order by vendor, vendor_interaction_id
"""
CALIBRATION_WEEKS = """
    select vendor, week_start, mean_difference, agreement_pct
    from marts.vendor_calibration_weekly order by week_start
"""
DISAGREEING_KPIS = f"""
    select vendor, kpi_name,
           100.0 - 100.0 * sum(pass_fail_agreements) / sum(pass_fail_pairs) as disagreement,
           sum(pass_fail_pairs) - sum(pass_fail_agreements) as disagreements,
           sum(pass_fail_pairs) as pairs
    from marts.kpi_calibration_weekly
    -- By name, as a reader knows a KPI: two metrics of one name are one line.
    group by vendor, kpi_name
    having sum(pass_fail_pairs) >= {MIN_KPI_ANSWERS}
        and sum(pass_fail_pairs) > sum(pass_fail_agreements)
    order by disagreement desc, pairs desc, kpi_name limit 10
"""


@dataclass(frozen=True)
class Calibration:
    """One vendor's AI against people, over every week."""

    vendor: str
    pairs: int
    bias: float | None
    mean_absolute: float | None
    within_tolerance: float | None
    pass_fail_pairs: int
    agreement: float | None
    kappa: float | None
    scatter: list[tuple[float, float, str]] = field(default_factory=list)


def _kappa(n: int, agreements: int, ai: int, human: int) -> float | None:
    """Cohen's kappa from the counts (as the marts compute it: macros/calibration.sql)."""
    chance = ai * human + (n - ai) * (n - human)
    if n == 0 or chance >= n * n:
        return None
    return (n * agreements - chance) / (n * n - chance)


@dataclass(frozen=True)
class ReportData:
    published: datetime
    vendors: list[str]
    weeks: list[date]
    first_day: date | None
    last_day: date | None
    by_vendor: Series
    teams: dict[str, Series]
    agents: list[tuple]
    agent_weeks: dict[tuple[str, str], list[tuple[date, float]]]
    kpis: list[tuple]
    fatal: dict[str, dict[date, int]]
    audits: dict[str, dict[date, int]]
    standing_week: date | None
    standing: list[tuple]
    calibration: list[Calibration]
    calibration_weeks: dict[str, list[tuple[date, float | None, float | None]]]
    disagreeing_kpis: list[tuple]
    min_evaluations: int
    tolerance: float

    @property
    def partial_weeks(self) -> set[date]:
        return _partial_weeks(self.weeks, self.first_day, self.last_day)


def _partial_weeks(weeks: list[date], first: date | None, last: date | None) -> set[date]:
    """Weeks the data covers for fewer than seven days: the first and last, often."""
    if first is None or last is None:
        return set()
    return {week for week in weeks if week < first or week + timedelta(days=6) > last}


def _calibration(conn: duckdb.DuckDBPyConnection) -> list[Calibration]:
    scatter: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for vendor, ai, human, interaction in conn.execute(CALIBRATION_PAIRS).fetchall():
        scatter[vendor].append((float(ai), float(human), interaction))
    found = []
    for row in conn.execute(CALIBRATION).fetchall():
        vendor, pairs, bias, mean_abs, within, binary, agreement, agreed, ai, human = row
        if not pairs and not binary:
            continue
        found.append(
            Calibration(
                vendor,
                int(pairs or 0),
                None if bias is None else float(bias),
                None if mean_abs is None else float(mean_abs),
                None if within is None else float(within),
                int(binary or 0),
                None if agreement is None else float(agreement),
                _kappa(int(binary or 0), int(agreed or 0), int(ai or 0), int(human or 0)),
                scatter.get(vendor, []),
            )
        )
    return found


def read_report(analytics_path: Path) -> ReportData:
    """Every figure of the page, read from the analyst copy in one connection."""
    with duckdb.connect(str(analytics_path), read_only=True) as conn:
        published = conn.execute("select published_at from main.publication").fetchone()[0]
        by_vendor = _weekly(conn.execute(WEEKLY_BY_VENDOR).fetchall())
        teams: dict[str, Series] = defaultdict(dict)
        for team, vendor, week, value in conn.execute(WEEKLY_BY_TEAM).fetchall():
            teams[team].setdefault(vendor, []).append((week, float(value)))
        agent_weeks: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
        for agent_id, vendor, week, value in conn.execute(AGENT_WEEKS).fetchall():
            agent_weeks[(agent_id, vendor)].append((week, float(value)))
        first_day, last_day = conn.execute(
            "select min(date), max(date) from marts.agent_daily_scorecard"
        ).fetchone()
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
        ranked_by_week = dict(conn.execute(STANDING_WEEKS).fetchall())
        partial = _partial_weeks(weeks, first_day, last_day)
        # The latest whole week: a week still under way ranks agents on a day or two. With
        # no whole week yet, the week that ranks the most agents.
        whole = [w for w in ranked_by_week if w not in partial]
        standing_week = (
            whole[-1]
            if whole
            else max(ranked_by_week, key=lambda w: (ranked_by_week[w], w), default=None)
        )
        calibration_weeks: dict[str, list[tuple[date, float | None, float | None]]] = defaultdict(
            list
        )
        for vendor, week, bias, agreement in conn.execute(CALIBRATION_WEEKS).fetchall():
            calibration_weeks[vendor].append((week, bias, agreement))
        return ReportData(
            published=published,
            vendors=vendors,
            weeks=weeks,
            first_day=first_day,
            last_day=last_day,
            by_vendor=by_vendor,
            teams=dict(teams),
            agents=conn.execute(AGENTS).fetchall(),
            agent_weeks=dict(agent_weeks),
            kpis=conn.execute(FAILED_KPIS).fetchall(),
            fatal=_counts(conn.execute(FATAL_BY_WEEK).fetchall()),
            audits=_counts(conn.execute(AUDITS_BY_WEEK).fetchall()),
            standing_week=standing_week,
            standing=conn.execute(STANDING, [standing_week]).fetchall() if standing_week else [],
            calibration=_calibration(conn),
            calibration_weeks=dict(calibration_weeks),
            disagreeing_kpis=conn.execute(DISAGREEING_KPIS).fetchall(),
            min_evaluations=min_evaluations(),
            tolerance=tolerance_points(),
        )
