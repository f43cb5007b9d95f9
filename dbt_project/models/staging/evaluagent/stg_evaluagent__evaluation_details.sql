-- The latest detail document fetched for each evaluation (feedback, sections, line items).
{%- set fields = {
    'evaluation_id': ['$.data.id'],
    'updated_at': ['$.data.attributes.updated_at'],
    'feedback': ['$.data.attributes.feedback'],
} %}

with pages as (
    {{ landed_pages(source('evaluagent', 'evaluation_details')) }}
),

-- Each document parsed once for its fields (see json_text_list), once more for its sections.
extracted as (
    select
        {{ json_text_list('payload', fields) }} as texts,
        json_extract(payload, '$.data.attributes.sections[*]') as sections,
        extracted_at
    from pages
),

renamed as (
    select
        {{ json_field('texts', fields, 'evaluation_id') }} as evaluation_id,
        {{ to_utc_timestamp(json_field('texts', fields, 'updated_at')) }} as updated_at,
        {{ json_field('texts', fields, 'feedback') }} as feedback,
        sections,
        extracted_at
    from extracted
)

select *
from renamed
where evaluation_id is not null
qualify row_number() over (
    partition by evaluation_id order by updated_at desc nulls last, extracted_at desc
) = 1
