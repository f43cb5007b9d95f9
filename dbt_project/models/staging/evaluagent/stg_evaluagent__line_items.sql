-- One row per line item of an evaluation's latest detail. "N/A" items carry no score.
with details as (
    select evaluation_id, sections from {{ ref('stg_evaluagent__evaluation_details') }}
),

sections as (
    select
        evaluation_id,
        unnest(sections) as section,
        unnest(range(1, len(sections) + 1)) as section_position
    from details
),

items as (
    select
        evaluation_id,
        section_position,
        section ->> '$.section_id' as section_id,
        section ->> '$.title' as section_title,
        unnest(json_extract(section, '$.line_items[*]')) as item,
        unnest(range(1, len(json_extract(section, '$.line_items[*]')) + 1)) as item_position
    from sections
)

select
    evaluation_id,
    section_id,
    section_title,
    section_position,
    item_position,
    coalesce(item ->> '$.line_item_id', 'question:' || (item ->> '$.question')) as line_item_key,
    item ->> '$.line_item_id' as line_item_id,
    item ->> '$.question' as question,
    item ->> '$.outcome' as outcome,
    try_cast(item ->> '$.outcome_score' as double) as outcome_score,
    lower(item ->> '$.result') as result,
    try_cast(item ->> '$.weight' as double) as weight,
    try_cast(item ->> '$.score' as double) as score,
    try_cast(item ->> '$.max_score' as double) as max_score,
    coalesce(try_cast(item ->> '$.auto_fail' as boolean), false) as is_auto_fail,
    coalesce(try_cast(item ->> '$.auto_failed' as boolean), false) as is_auto_failed,
    item ->> '$.feedback' as feedback
from items
