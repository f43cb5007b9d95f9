-- Voxxi agents: every member its agent list has shown (snap_agent_listing: one who has left
-- keeps their name and email), and every other id calls were submitted under (a member id
-- or an email no list showed), so that every call has its agent.
with listed_ever as (
    select vendor_agent_id, display_name, email
    from {{ ref('snap_agent_listing') }}
    where vendor = 'voxxi' and dbt_valid_to is null
),

listed_now as (
    select vendor_agent_id from {{ ref('int_voxxi__agent_listing') }}
),

named as (
    select vendor_agent_id, max(created_at) as last_seen_at
    from {{ ref('int_voxxi__calls') }}
    where vendor_agent_id is not null
    group by vendor_agent_id
),

identities as (
    select vendor_agent_id from listed_ever
    union
    select vendor_agent_id from named
)

select
    'voxxi' as vendor,
    identities.vendor_agent_id,
    listed_ever.display_name,
    coalesce(
        listed_ever.email,
        case when identities.vendor_agent_id like '%@%' then identities.vendor_agent_id end
    ) as email,
    cast(null as varchar) as team_name,
    -- The agent list holds active agents only.
    listed_now.vendor_agent_id is not null as is_active,
    named.last_seen_at
from identities
left join listed_ever using (vendor_agent_id)
left join listed_now using (vendor_agent_id)
left join named using (vendor_agent_id)
