-- One row per section of a Voxxi call's latest analysis, with its 1-based position.
with latest as (
    select * from {{ ref('base_voxxi__latest_analyses') }}
),

sections as (
    select
        payload ->> '$.data.callId' as call_id,
        {{ unnest_with_position("json_extract(payload, '$.data.analysis.sections[*]')", 'section') }}
    from latest
),

renamed as (
    select
        call_id,
        section ->> '$.sectionId' as section_id,
        section ->> '$.sectionName' as section_name,
        try_cast(section ->> '$.score' as double) as score,
        try_cast(section ->> '$.totalScore' as double) as total_score,
        section_position
    from sections
)

select * from renamed
