-- One row per EvaluAgent user, as of the latest refresh. Emails are normalised (trimmed, lower
-- case) because admins type them by hand.
{%- set fields = {
    'user_id': ['$.id'],
    'full_name': ['$.attributes.fullname'],
    'forename': ['$.attributes.forename'],
    'surname': ['$.attributes.surname'],
    'email': ['$.attributes.email'],
    'username': ['$.attributes.username'],
    'start_date': ['$.attributes.start_date'],
    'active': ['$.attributes.active'],
    'third_party_id': ['$.attributes.third_party_id'],
    'team_group_id': ['$.relationships."agent-team".data.id'],
} %}

with pages as (
    {{ landed_pages(source('evaluagent', 'users')) }}
),

resources as (
    select extracted_at, unnest(json_extract(payload, '$.data[*]')) as resource from pages
),

-- Each resource parsed once (see json_text_list).
extracted as (
    select extracted_at, {{ json_text_list('resource', fields) }} as texts from resources
)

select
    {{ json_columns('texts', fields, ['user_id', 'full_name', 'forename', 'surname']) }},
    {{ json_field('texts', fields, 'email') }} as email_raw,
    {{ normalize_email(json_field('texts', fields, 'email')) }} as email,
    {{ json_field('texts', fields, 'username') }} as username,
    try_cast({{ json_field('texts', fields, 'start_date') }} as date) as start_date,
    coalesce(try_cast({{ json_field('texts', fields, 'active') }} as boolean), true) as is_active,
    {{ json_field('texts', fields, 'third_party_id') }} as third_party_id,
    {{ json_field('texts', fields, 'team_group_id') }} as team_group_id,
    extracted_at
from extracted
where user_id is not null
qualify row_number() over (partition by user_id order by extracted_at desc) = 1
