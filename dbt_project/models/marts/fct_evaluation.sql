-- Incremental like fct_kpi_score (macros/incremental_loads.sql). The post-hook brings the
-- interaction and agent of rows held from earlier runs up to date.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild('vendor_evaluation_id') }}",
    post_hook="{{ update_resolved_columns(resolved_evaluation_links(), 'evaluation_id', ['interaction_id', 'agent_id']) }}",
) }}
{{ incremental_depends_on() }}

with evaluations as (
    {{ rows_to_rebuild(ref('int_evaluations__unioned')) }}
),

interactions as (
    select interaction_id, vendor, vendor_interaction_id, agent_id
    from {{ ref('fct_interaction') }}
),

agents as (
    select vendor, vendor_agent_id, agent_id from {{ ref('bridge_agent_vendor') }}
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
    evaluations.is_fatal,
    evaluations.vendor_interaction_id,
    evaluations.vendor_agent_id,
    {{ load_key_columns('evaluations') }}
from evaluations
left join interactions
    on interactions.vendor = evaluations.vendor
    and interactions.vendor_interaction_id = evaluations.vendor_interaction_id
left join agents
    on agents.vendor = evaluations.vendor
    and agents.vendor_agent_id = evaluations.vendor_agent_id
