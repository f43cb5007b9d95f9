-- Incremental like fct_kpi_score: incremental vendors' rows are kept per load and only new
-- loads are added; the other vendors' rows are rebuilt every time
-- (macros/incremental_loads.sql). Agent matching
-- can change the agent of a row held from an earlier run: the post-hook brings agent_id up to
-- date from vendor_agent_id.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild('vendor_interaction_id') }}",
    post_hook="{{ update_resolved_columns(resolved_interaction_agents(), 'interaction_id', ['agent_id']) }}",
) }}
{{ incremental_depends_on() }}

with interactions as (
    {{ rows_to_rebuild(ref('int_interactions__unioned')) }}
),

agents as (
    select vendor, vendor_agent_id, agent_id from {{ ref('bridge_agent_vendor') }}
)

select
    {{ surrogate_key(['interactions.vendor', 'interactions.vendor_interaction_id']) }}
        as interaction_id,
    interactions.vendor,
    interactions.vendor_interaction_id,
    interactions.external_interaction_id,
    agents.agent_id,
    interactions.vendor_agent_id,
    interactions.channel,
    interactions.direction,
    interactions.started_at,
    -- Every vendor sends a start time but Kore, sometimes: its rows are then dated by window.
    case
        when interactions.started_at is not null
            then coalesce(interactions.started_at_source, 'vendor')
    end as started_at_source,
    interactions.duration_seconds,
    interactions.language,
    interactions.queue_name,
    interactions.sentiment,
    interactions.sentiment_score,
    interactions.processing_status,
    interactions.failure_reason,
    {{ load_key_columns('interactions') }}
from interactions
left join agents
    on agents.vendor = interactions.vendor
    and agents.vendor_agent_id = interactions.vendor_agent_id
