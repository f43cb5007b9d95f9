-- EvaluAgent's agents as its user list shows them now (users in a team), in the shape every
-- agent listing has: kept as history by snap_agent_listing, so an agent who leaves the list
-- keeps their name, email and team. Evaluators are not agents.
select
    'evaluagent' as vendor,
    users.user_id as vendor_agent_id,
    users.full_name as display_name,
    users.email,
    groups.group_name as team_name,
    users.is_active
from {{ ref('stg_evaluagent__users') }} as users
left join {{ ref('stg_evaluagent__groups') }} as groups
    on groups.group_id = users.team_group_id
where users.team_group_id is not null
