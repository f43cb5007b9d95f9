-- Voxxi agents from its agent list, and the emails calls were submitted under that the list
-- does not show (an agent made inactive since).
with listed as (
    select
        agent_id as vendor_agent_id,
        agent_name as display_name,
        agent_email as email,
        created_at
    from {{ ref('stg_voxxi__agents') }}
),

unlisted as (
    select distinct
        calls.vendor_agent_id,
        cast(null as varchar) as display_name,
        calls.vendor_agent_id as email,
        cast(null as timestamp) as created_at
    from {{ ref('int_voxxi__calls') }} as calls
    where calls.vendor_agent_id like '%@%'
        and calls.vendor_agent_id not in (select vendor_agent_id from listed)
),

seen as (
    select vendor_agent_id, max(created_at) as last_seen_at
    from {{ ref('int_voxxi__calls') }}
    group by vendor_agent_id
)

select
    'voxxi' as vendor,
    identities.vendor_agent_id,
    identities.display_name,
    identities.email,
    cast(null as varchar) as team_name,
    -- The agent list holds active agents only.
    identities.display_name is not null as is_active,
    seen.last_seen_at
from (select * from listed union all select * from unlisted) as identities
left join seen using (vendor_agent_id)
