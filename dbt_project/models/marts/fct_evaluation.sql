with evaluations as (
    select * from {{ ref('int_evaluations__unioned') }}
),

interactions as (
    select interaction_id, vendor, vendor_interaction_id, agent_id
    from {{ ref('fct_interaction') }}
)

select
    {{ surrogate_key(['evaluations.vendor', 'evaluations.vendor_evaluation_id']) }}
        as evaluation_id,
    evaluations.vendor,
    evaluations.vendor_evaluation_id,
    interactions.interaction_id,
    interactions.agent_id,
    evaluations.evaluator_name,
    evaluations.evaluation_type,
    evaluations.evaluated_at,
    evaluations.score,
    evaluations.max_score,
    evaluations.score_pct,
    evaluations.is_fatal
from evaluations
left join interactions
    on interactions.vendor = evaluations.vendor
    and interactions.vendor_interaction_id = evaluations.vendor_interaction_id
