-- Conversation analytics records; their attributes are undocumented, so they stay JSON.
{%- set fields = {'conversation_id': ['$.id'], 'contact_date': ['$.attributes.contact_date']} %}

with pages as (
    {{ landed_pages(source('evaluagent', 'conversations')) }}
),

resources as (
    select extracted_at, unnest(json_extract(payload, '$.data[*]')) as resource from pages
),

-- Each resource parsed once for its fields (see json_text_list); attributes stay JSON.
extracted as (
    select
        {{ json_text_list('resource', fields) }} as texts,
        resource -> '$.attributes' as attributes,
        extracted_at
    from resources
)

select
    {{ json_field('texts', fields, 'conversation_id') }} as conversation_id,
    {{ to_utc_timestamp(json_field('texts', fields, 'contact_date')) }} as contact_date,
    attributes,
    extracted_at
from extracted
where conversation_id is not null
qualify row_number() over (partition by conversation_id order by extracted_at desc) = 1
