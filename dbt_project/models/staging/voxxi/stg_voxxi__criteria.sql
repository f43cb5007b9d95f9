-- One row per criterion ("criterias", as Voxxi spells it) of a section of a call's latest
-- analysis, with the positions of both.
with latest as (
    select * from {{ ref('base_voxxi__latest_analyses') }}
),

sections as (
    select
        payload ->> '$.data.callId' as call_id,
        {{ unnest_with_position("json_extract(payload, '$.data.analysis.sections[*]')", 'section') }}
    from latest
),

criteria as (
    select
        call_id,
        section ->> '$.sectionId' as section_id,
        section ->> '$.sectionName' as section_name,
        section_position,
        {{ unnest_with_position("json_extract(section, '$.criterias[*]')", 'criterion') }}
    from sections
),

renamed as (
    select
        call_id,
        section_id,
        section_name,
        section_position,
        criterion ->> '$.criteriaId' as criteria_id,
        criterion ->> '$.question' as question,
        criterion ->> '$.result' as result,
        criterion ->> '$.rationale' as rationale,
        criterion_position
    from criteria
)

select * from renamed
