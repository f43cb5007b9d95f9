-- EvaluAgent agents: every user its list has shown in a team (snap_agent_listing: one who
-- has left keeps their name, email and team), and every user evaluated as an agent.
-- Evaluators are not agents; they appear in the marts as evaluator_name.
with listed_ever as (
    select vendor_agent_id as user_id, display_name, email, team_name
    from {{ ref('snap_agent_listing') }}
    where vendor = 'evaluagent' and dbt_valid_to is null
),

listed_now as (
    select vendor_agent_id as user_id, is_active
    from {{ ref('int_evaluagent__agent_listing') }}
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
    coalesce(listed_ever.user_id, evaluated.agent_user_id) as vendor_agent_id,
    coalesce(listed_ever.display_name, evaluated.agent_name) as display_name,
    listed_ever.email,
    listed_ever.team_name,
    -- Listed once and no longer: left. Never listed (evaluated only): not known.
    case
        when listed_now.user_id is not null then listed_now.is_active
        when listed_ever.user_id is not null then false
    end as is_active,
    evaluated.last_evaluated_at as last_seen_at
from listed_ever
full outer join evaluated
    on evaluated.agent_user_id = listed_ever.user_id
left join listed_now
    on listed_now.user_id = coalesce(listed_ever.user_id, evaluated.agent_user_id)
