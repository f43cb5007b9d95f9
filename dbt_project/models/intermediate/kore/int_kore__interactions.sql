-- Kore conversations in the shape of fct_interaction; the first agent listed is the agent.
select
    'kore' as vendor,
    conversations.conversation_id as vendor_interaction_id,
    conversations.custom_conversation_id as external_interaction_id,
    agents.agent_id as vendor_agent_id,
    {{ channel_label('conversations.source_channel') }} as channel,
    conversations.direction,
    conversations.started_at,
    conversations.started_at_source,
    conversations.duration_seconds,
    conversations.language,
    conversations.queue_name,
    lower(conversations.sentiment_label) as sentiment,
    conversations.sentiment_score,
    cast(null as varchar) as processing_status,
    cast(null as varchar) as failure_reason,
    -- The load the conversation was parsed from: the facts keep Kore's rows per load.
    conversations.loaded_window_start,
    conversations.loaded_run_id
from {{ ref('int_kore__conversations') }} as conversations
left join {{ ref('stg_kore__conversation_agents') }} as agents
    on agents.conversation_id = conversations.conversation_id
    and agents.agent_position = 1
