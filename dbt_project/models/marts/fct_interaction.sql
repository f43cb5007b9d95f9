with interactions as (
    select * from {{ ref('int_interactions__unioned') }}
),

agents as (
    select vendor, vendor_agent_id, agent_id from {{ ref('int_agents__matched') }}
)

select
    {{ surrogate_key(['interactions.vendor', 'interactions.vendor_interaction_id']) }}
        as interaction_id,
    interactions.vendor,
    interactions.vendor_interaction_id,
    interactions.external_interaction_id,
    agents.agent_id,
    interactions.channel,
    interactions.direction,
    interactions.started_at,
    interactions.duration_seconds,
    interactions.language,
    interactions.queue_name,
    interactions.sentiment,
    interactions.sentiment_score,
    interactions.processing_status,
    interactions.failure_reason
from interactions
left join agents
    on agents.vendor = interactions.vendor
    and agents.vendor_agent_id = interactions.vendor_agent_id
