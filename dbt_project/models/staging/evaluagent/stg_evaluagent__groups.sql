-- One row per EvaluAgent group (teams and their parents), as of the latest refresh.
{%- set fields = {
    'group_id': ['$.id'],
    'group_name': ['$.attributes.name'],
    'level': ['$.attributes.level'],
    'active': ['$.attributes.active'],
    'parent_group_id': ['$.attributes.parent'],
} %}

with pages as (
    {{ landed_pages(source('evaluagent', 'groups')) }}
),

resources as (
    select extracted_at, unnest(json_extract(payload, '$.data[*]')) as resource from pages
),

-- Each resource parsed once (see json_text_list).
extracted as (
    select extracted_at, {{ json_text_list('resource', fields) }} as texts from resources
)

select
    {{ json_columns('texts', fields, ['group_id', 'group_name', 'level']) }},
    coalesce(try_cast({{ json_field('texts', fields, 'active') }} as boolean), true) as is_active,
    {{ json_field('texts', fields, 'parent_group_id') }} as parent_group_id,
    extracted_at
from extracted
where group_id is not null
qualify row_number() over (partition by group_id order by extracted_at desc) = 1
