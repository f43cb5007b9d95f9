-- One row per Kore agent id, with the name and email it was last seen with.
with agents as (
    select
        agents.agent_id,
        agents.agent_name,
        agents.agent_email,
        conversations.started_at
    from {{ ref('stg_kore__conversation_agents') }} as agents
    inner join {{ ref('int_kore__conversations') }} as conversations
        using (conversation_id)
)

select
    'kore' as vendor,
    agent_id as vendor_agent_id,
    arg_max(agent_name, started_at) as display_name,
    arg_max(agent_email, started_at) filter (where agent_email is not null) as email,
    cast(null as varchar) as team_name,
    cast(null as boolean) as is_active,
    max(started_at) as last_seen_at
from agents
group by agent_id
