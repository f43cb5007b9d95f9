-- One interaction scored both by a vendor's AI and by a person (Kore's AutoQA and its audit,
-- CQA's ai_score and its QA review): the two scores side by side, as percentages.
with pairs as (
    select * from {{ ref('int_score_pairs__unioned') }}
),

interactions as (
    select interaction_id, agent_id, started_at from {{ ref('fct_interaction') }}
)

select
    {{ surrogate_key(['pairs.vendor', 'pairs.vendor_evaluation_id']) }} as calibration_id,
    pairs.vendor,
    {{ surrogate_key(['pairs.vendor', 'pairs.vendor_interaction_id']) }} as interaction_id,
    pairs.vendor_interaction_id,
    {{ surrogate_key(['pairs.vendor', 'pairs.vendor_evaluation_id']) }} as evaluation_id,
    interactions.agent_id,
    pairs.ai_score_pct,
    pairs.human_score_pct,
    pairs.ai_score_pct - pairs.human_score_pct as score_difference,
    abs(pairs.ai_score_pct - pairs.human_score_pct)
        <= {{ var('calibration_tolerance_points') }} as is_within_tolerance,
    pairs.ai_scored_at,
    pairs.human_scored_at,
    pairs.reviewer_name,
    -- The week of the conversation, so drift follows what the AI was scoring then.
    cast(date_trunc('week', coalesce(interactions.started_at, pairs.ai_scored_at)) as date)
        as week_start
from pairs
left join interactions
    on interactions.interaction_id
        = {{ surrogate_key(['pairs.vendor', 'pairs.vendor_interaction_id']) }}
