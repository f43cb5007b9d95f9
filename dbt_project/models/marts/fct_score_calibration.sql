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
    {{ conversation_week('pairs.ai_scored_at') }} as week_start
{{ pairs_with_their_interactions() }}
