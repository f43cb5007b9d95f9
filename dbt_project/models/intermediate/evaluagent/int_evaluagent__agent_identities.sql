-- EvaluAgent users who are agents: they belong to a team or have been evaluated as an agent.
-- Evaluators are not agents; they appear in the marts as evaluator_name.
with users as (
    select * from {{ ref('stg_evaluagent__users') }}
),

groups as (
    select group_id, group_name from {{ ref('stg_evaluagent__groups') }}
),

evaluated as (
    select
        agent_user_id,
        arg_max(agent_name, published_at) as agent_name,
        max(published_at) as last_evaluated_at
    from {{ ref('stg_evaluagent__evaluations') }}
    where agent_user_id is not null
    group by agent_user_id
)

select
    'evaluagent' as vendor,
    coalesce(users.user_id, evaluated.agent_user_id) as vendor_agent_id,
    coalesce(users.full_name, evaluated.agent_name) as display_name,
    users.email,
    groups.group_name as team_name,
    users.is_active,
    evaluated.last_evaluated_at as last_seen_at
from users
full outer join evaluated
    on evaluated.agent_user_id = users.user_id
left join groups
    on groups.group_id = users.team_group_id
where users.team_group_id is not null or evaluated.agent_user_id is not null
