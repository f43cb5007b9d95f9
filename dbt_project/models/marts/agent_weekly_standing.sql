-- One agent, week and vendor: where the agent stands among the agents that vendor scored that
-- week (a percentile), and one standing across every vendor that ranked the agent, weighted by
-- evaluations. Percentiles, not score_pct: each vendor scores on its own scale and rubric, so
-- only a rank within a vendor's own week compares across vendors (DECISIONLOG.md).
--
-- vendor_percentile = 100 x (ranked agents scoring below + half of those tied) / (ranked
-- agents - 1): 100 for the week's best, 0 for its lowest, NULL when the agent is the only one
-- ranked. An agent with fewer than var('standing_min_evaluations') evaluations from the vendor
-- that week is not ranked (is_ranked false) and counts for no one else's rank.
-- combined_percentile = sum(vendor_percentile x evaluations) / sum(evaluations) over the
-- vendors that ranked the agent that week; the same on each of the agent's rows of the week.
with evaluations as (
    select
        agent_id,
        vendor,
        cast(date_trunc('week', evaluated_at) as date) as week_start,
        score_pct
    from {{ ref('fct_evaluation') }}
    where agent_id is not null and evaluated_at is not null and score_pct is not null
),

per_agent as (
    select
        agent_id,
        vendor,
        week_start,
        count(*) as evaluations,
        cast(round(sum(cast(score_pct as decimal(18, 6))) / count(*), 4) as double)
            as avg_score_pct,
        count(*) >= {{ var('standing_min_evaluations') }} as is_ranked
    from evaluations
    group by all
),

ranked as (
    select
        agent_id,
        vendor,
        week_start,
        count(*) over (partition by vendor, week_start) as ranked_agents,
        rank() over (partition by vendor, week_start order by avg_score_pct) - 1
            as agents_below,
        count(*) over (partition by vendor, week_start, avg_score_pct) - 1 as agents_tied
    from per_agent
    where is_ranked
),

standing as (
    select
        per_agent.*,
        ranked.ranked_agents,
        case
            when ranked.ranked_agents > 1
                then round(
                    100.0 * (ranked.agents_below + 0.5 * ranked.agents_tied)
                    / (ranked.ranked_agents - 1),
                    2
                )
        end as vendor_percentile
    from per_agent
    left join ranked using (agent_id, vendor, week_start)
)

select
    agent_id,
    week_start,
    vendor,
    evaluations,
    avg_score_pct,
    is_ranked,
    coalesce(ranked_agents, 0) as ranked_agents,
    vendor_percentile,
    round(
        sum(vendor_percentile * evaluations) over agent_week
        / nullif(sum(evaluations) filter (where vendor_percentile is not null) over agent_week, 0),
        2
    ) as combined_percentile,
    coalesce(sum(evaluations) filter (where vendor_percentile is not null) over agent_week, 0)
        as combined_evaluations,
    count(vendor_percentile) over agent_week as vendors_ranked
from standing
window agent_week as (partition by agent_id, week_start)
