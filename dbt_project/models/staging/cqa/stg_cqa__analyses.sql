-- One row per CQA analysis, from its latest detail. CQA writes times in the account's time
-- zone with an offset (e.g. +05:30); they become UTC here. qa_score is omitted, not null,
-- until a person reviews the analysis.
{%- set fields = {
    'analysis_id': ['$.data.analysis_id'],
    'interaction_id': ['$.data.interaction_id'],
    'external_interaction_id': ['$.data.external_interaction_id'],
    'profile_id': ['$.data.profile_id'],
    'profile_name': ['$.data.profile_name'],
    'status': ['$.data.status'],
    'ai_score': ['$.data.ai_score'],
    'qa_score': ['$.data.qa_score'],
    'final_score': ['$.data.final_score'],
    'criticality_adjusted_score': ['$.data.criticality_adjusted_score'],
    'max_score': ['$.data.max_score'],
    'analysis_completed_at': ['$.data.analysis_completed_at'],
} %}

with pages as (
    {{ landed_pages(source('cqa', 'analysis_details')) }}
),

-- Each document parsed once for its fields (see json_text_list); categories and metadata stay
-- JSON.
extracted as (
    select
        {{ json_text_list('payload', fields) }} as texts,
        json_extract(payload, '$.data.categories[*]') as categories,
        payload -> '$.data.metadata' as metadata,
        extracted_at
    from pages
),

renamed as (
    select
        {{ json_columns('texts', fields, [
            'analysis_id',
            'interaction_id',
            'external_interaction_id',
            'profile_id',
            'profile_name',
        ]) }},
        lower({{ json_field('texts', fields, 'status') }}) as status,
        try_cast({{ json_field('texts', fields, 'ai_score') }} as double) as ai_score,
        try_cast({{ json_field('texts', fields, 'qa_score') }} as double) as qa_score,
        try_cast({{ json_field('texts', fields, 'final_score') }} as double) as final_score,
        try_cast({{ json_field('texts', fields, 'criticality_adjusted_score') }} as double)
            as criticality_adjusted_score,
        try_cast({{ json_field('texts', fields, 'max_score') }} as double) as max_score,
        {{ to_utc_timestamp(json_field('texts', fields, 'analysis_completed_at')) }}
            as analysis_completed_at,
        categories,
        metadata,
        extracted_at
    from extracted
)

select *
from renamed
where analysis_id is not null
qualify row_number() over (partition by analysis_id order by extracted_at desc) = 1
