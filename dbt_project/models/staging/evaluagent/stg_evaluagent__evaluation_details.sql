-- The latest detail document fetched for each evaluation (feedback, sections, line items).
with pages as (
    {{ landed_pages(source('evaluagent', 'evaluation_details')) }}
),

renamed as (
    select
        payload ->> '$.data.id' as evaluation_id,
        {{ to_utc_timestamp("payload ->> '$.data.attributes.updated_at'") }} as updated_at,
        payload ->> '$.data.attributes.feedback' as feedback,
        json_extract(payload, '$.data.attributes.sections[*]') as sections,
        extracted_at
    from pages
)

select *
from renamed
where evaluation_id is not null
qualify row_number() over (
    partition by evaluation_id order by updated_at desc nulls last, extracted_at desc
) = 1
