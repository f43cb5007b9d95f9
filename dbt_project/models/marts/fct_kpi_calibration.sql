-- One KPI answered both by a vendor's AI and by a person: the two answers and scores side by
-- side, and whether they agree.
with pairs as (
    select * from {{ ref('int_kpi_pairs__unioned') }}
),

interactions as (
    select interaction_id, agent_id, started_at from {{ ref('fct_interaction') }}
)

select
    {{ surrogate_key(['pairs.vendor', 'pairs.vendor_evaluation_id', 'pairs.kpi_key']) }}
        as kpi_calibration_id,
    pairs.vendor,
    {{ surrogate_key(['pairs.vendor', 'pairs.vendor_interaction_id']) }} as interaction_id,
    {{ surrogate_key(['pairs.vendor', 'pairs.vendor_evaluation_id']) }} as evaluation_id,
    interactions.agent_id,
    pairs.kpi_key,
    pairs.kpi_name,
    pairs.category_name,
    pairs.ai_answer,
    pairs.human_answer,
    pairs.ai_score_pct,
    pairs.human_score_pct,
    pairs.ai_score_pct - pairs.human_score_pct as score_difference,
    coalesce(
        pairs.ai_answer in ('yes', 'no') and pairs.human_answer in ('yes', 'no'), false
    ) as is_pass_fail,
    pairs.ai_answer = pairs.human_answer as is_agreed,
    pairs.human_scored_at,
    {{ conversation_week('pairs.human_scored_at') }} as week_start
{{ pairs_with_their_interactions() }}
