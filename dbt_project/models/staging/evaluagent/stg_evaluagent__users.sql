-- One row per EvaluAgent user, as of the latest refresh. Emails are normalised (trimmed, lower
-- case) because admins type them by hand.
with pages as (
    {{ landed_pages(source('evaluagent', 'users')) }}
),

resources as (
    select extracted_at, unnest(json_extract(payload, '$.data[*]')) as resource from pages
)

select
    resource ->> '$.id' as user_id,
    resource ->> '$.attributes.fullname' as full_name,
    resource ->> '$.attributes.forename' as forename,
    resource ->> '$.attributes.surname' as surname,
    resource ->> '$.attributes.email' as email_raw,
    {{ normalize_email("resource ->> '$.attributes.email'") }} as email,
    resource ->> '$.attributes.username' as username,
    try_cast(resource ->> '$.attributes.start_date' as date) as start_date,
    coalesce(try_cast(resource ->> '$.attributes.active' as boolean), true) as is_active,
    resource ->> '$.attributes.third_party_id' as third_party_id,
    resource ->> '$.relationships."agent-team".data.id' as team_group_id,
    extracted_at
from resources
where user_id is not null
qualify row_number() over (partition by user_id order by extracted_at desc) = 1
