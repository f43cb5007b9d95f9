-- One row per CQA analysis, from its latest detail. CQA writes times in the account's time
-- zone with an offset (e.g. +05:30); they become UTC here. qa_score is omitted, not null,
-- until a person reviews the analysis.
with pages as (
    {{ landed_pages(source('cqa', 'analysis_details')) }}
),

renamed as (
    select
        payload ->> '$.data.analysis_id' as analysis_id,
        payload ->> '$.data.interaction_id' as interaction_id,
        payload ->> '$.data.external_interaction_id' as external_interaction_id,
        payload ->> '$.data.profile_id' as profile_id,
        payload ->> '$.data.profile_name' as profile_name,
        lower(payload ->> '$.data.status') as status,
        try_cast(payload ->> '$.data.ai_score' as double) as ai_score,
        try_cast(payload ->> '$.data.qa_score' as double) as qa_score,
        try_cast(payload ->> '$.data.final_score' as double) as final_score,
        try_cast(payload ->> '$.data.criticality_adjusted_score' as double)
            as criticality_adjusted_score,
        try_cast(payload ->> '$.data.max_score' as double) as max_score,
        {{ to_utc_timestamp("payload ->> '$.data.analysis_completed_at'") }}
            as analysis_completed_at,
        json_extract(payload, '$.data.categories[*]') as categories,
        payload -> '$.data.metadata' as metadata,
        extracted_at
    from pages
)

select *
from renamed
where analysis_id is not null
qualify row_number() over (partition by analysis_id order by extracted_at desc) = 1
