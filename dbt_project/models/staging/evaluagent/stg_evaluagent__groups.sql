-- One row per EvaluAgent group (teams and their parents), as of the latest refresh.
with pages as (
    {{ landed_pages(source('evaluagent', 'groups')) }}
),

resources as (
    select extracted_at, unnest(json_extract(payload, '$.data[*]')) as resource from pages
)

select
    resource ->> '$.id' as group_id,
    resource ->> '$.attributes.name' as group_name,
    resource ->> '$.attributes.level' as level,
    coalesce(try_cast(resource ->> '$.attributes.active' as boolean), true) as is_active,
    resource ->> '$.attributes.parent' as parent_group_id,
    extracted_at
from resources
where group_id is not null
qualify row_number() over (partition by group_id order by extracted_at desc) = 1
