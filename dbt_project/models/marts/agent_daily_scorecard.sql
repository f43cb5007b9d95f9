-- One agent, one UTC day, one vendor: what happened that day in that vendor, in additive
-- columns (counts and sums) beside the day's average.
with interactions as (
    select agent_id, cast(started_at as date) as date, vendor, count(*) as interactions
    from {{ ref('fct_interaction') }}
    where agent_id is not null and started_at is not null
    group by all
),

evaluations as (
    select
        agent_id,
        cast(evaluated_at as date) as date,
        vendor,
        count(*) as evaluations,
        count(score_pct) as scored_evaluations,
        -- A sum of doubles depends on the order DuckDB's threads add them in: a decimal sum
        -- is exact, so a rebuild gives the same value to the last digit.
        sum(cast(score_pct as decimal(18, 6))) as score_pct_sum,
        count(*) filter (where is_fatal) as fatal_evaluations
    from {{ ref('fct_evaluation') }}
    where agent_id is not null and evaluated_at is not null
    group by all
),

audits as (
    select agent_id, cast(audited_at as date) as date, vendor, count(*) as audits_completed
    from {{ ref('fct_audit') }}
    where agent_id is not null and audit_status = 'audited' and audited_at is not null
    group by all
),

spine as (
    select agent_id, date, vendor from interactions
    union
    select agent_id, date, vendor from evaluations
    union
    select agent_id, date, vendor from audits
)

select
    spine.agent_id,
    spine.date,
    spine.vendor,
    coalesce(interactions.interactions, 0) as interactions,
    coalesce(evaluations.evaluations, 0) as evaluations,
    -- Additive, so any roll-up (a week, a team) is exact: sum(score_pct_sum) /
    -- sum(scored_evaluations), never an average of daily averages.
    coalesce(evaluations.scored_evaluations, 0) as scored_evaluations,
    coalesce(evaluations.score_pct_sum, 0) as score_pct_sum,
    round(evaluations.score_pct_sum / nullif(evaluations.scored_evaluations, 0), 2)
        as avg_score_pct,
    coalesce(evaluations.fatal_evaluations, 0) as fatal_evaluations,
    coalesce(audits.audits_completed, 0) as audits_completed
from spine
left join interactions using (agent_id, date, vendor)
left join evaluations using (agent_id, date, vendor)
left join audits using (agent_id, date, vendor)
