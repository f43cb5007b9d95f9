-- One person, matched across vendors (see int_agents__matched and DECISIONLOG.md).
with matched as (
    select * from {{ ref('int_agents__matched') }}
)

select
    agent_id,
    -- The latest name, or any name where no vendor said when it saw the person.
    coalesce(arg_max(display_name, last_seen_at), max(display_name)) as display_name,
    max(matched_email) as email,
    arg_max(team_name, last_seen_at) filter (where team_name is not null) as team_name,
    -- Vendors without an active flag say nothing; a person is inactive only when one says so.
    coalesce(bool_and(is_active), true) as is_active,
    string_agg(distinct vendor, ',' order by vendor) as vendors,
    max(last_seen_at) as last_seen_at
from matched
group by agent_id
