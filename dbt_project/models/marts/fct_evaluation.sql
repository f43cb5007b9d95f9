with evaluations as (
    select * from {{ ref('int_evaluations__unioned') }}
),

interactions as (
    select interaction_id, vendor, vendor_interaction_id, agent_id
    from {{ ref('fct_interaction') }}
),

agents as (
    select vendor, vendor_agent_id, agent_id from {{ ref('int_agents__matched') }}
)

select
    {{ surrogate_key(['evaluations.vendor', 'evaluations.vendor_evaluation_id']) }}
        as evaluation_id,
    evaluations.vendor,
    evaluations.vendor_evaluation_id,
    interactions.interaction_id,
    -- The agent the vendor says was evaluated, else the interaction's agent.
    coalesce(agents.agent_id, interactions.agent_id) as agent_id,
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
left join agents
    on agents.vendor = evaluations.vendor
    and agents.vendor_agent_id = evaluations.vendor_agent_id
