-- ExoVoiceAnalyze knows no agents: the inbox names them, by id, by email or both. An id
-- with an email is matched across vendors by the email.
select
    'exotel' as vendor,
    vendor_agent_id,
    cast(null as varchar) as display_name,
    max(agent_email) as email,
    cast(null as varchar) as team_name,
    -- Exotel says nothing of whether an agent is active.
    cast(null as boolean) as is_active,
    max(started_at) as last_seen_at
from {{ ref('int_exotel__calls') }}
where vendor_agent_id is not null
group by vendor_agent_id
