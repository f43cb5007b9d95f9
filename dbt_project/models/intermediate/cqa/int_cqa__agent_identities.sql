-- CQA knows its agents only from interaction metadata (agent_id or agent_email).
select
    'cqa' as vendor,
    agent_key as vendor_agent_id,
    arg_max(agent_name, created_at) as display_name,
    arg_max(agent_email, created_at) filter (where agent_email is not null) as email,
    cast(null as varchar) as team_name,
    cast(null as boolean) as is_active,
    max(created_at) as last_seen_at
from {{ ref('stg_cqa__interactions') }}
where agent_key is not null
group by agent_key
