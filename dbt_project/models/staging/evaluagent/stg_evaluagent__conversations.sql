-- Conversation analytics records; their attributes are undocumented, so they stay JSON.
with pages as (
    {{ landed_pages(source('evaluagent', 'conversations')) }}
),

resources as (
    select extracted_at, unnest(json_extract(payload, '$.data[*]')) as resource from pages
)

select
    resource ->> '$.id' as conversation_id,
    {{ to_utc_timestamp("resource ->> '$.attributes.contact_date'") }} as contact_date,
    resource -> '$.attributes' as attributes,
    extracted_at
from resources
where conversation_id is not null
qualify row_number() over (partition by conversation_id order by extracted_at desc) = 1
