-- Voxxi's agent list as it stands now (active agents only), in the shape every agent listing
-- has: kept as history by snap_agent_listing, so a member who leaves keeps their name and
-- email, and calls that name them by id or by email find them.
select
    'voxxi' as vendor,
    agent_id as vendor_agent_id,
    agent_name as display_name,
    {{ normalize_email('agent_email') }} as email,
    cast(null as varchar) as team_name,
    true as is_active
from {{ ref('stg_voxxi__agents') }}
