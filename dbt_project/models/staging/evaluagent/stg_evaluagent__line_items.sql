-- One row per line item of an evaluation's latest detail. "N/A" items carry no score.
{%- set section_fields = {'section_id': ['$.section_id'], 'section_title': ['$.title']} %}
{%- set item_fields = {
    'line_item_id': ['$.line_item_id'],
    'question': ['$.question'],
    'outcome': ['$.outcome'],
    'outcome_score': ['$.outcome_score'],
    'result': ['$.result'],
    'weight': ['$.weight'],
    'score': ['$.score'],
    'max_score': ['$.max_score'],
    'auto_fail': ['$.auto_fail'],
    'auto_failed': ['$.auto_failed'],
    'feedback': ['$.feedback'],
} %}

with details as (
    select evaluation_id, sections from {{ ref('stg_evaluagent__evaluation_details') }}
),

sections as (
    select evaluation_id, {{ unnest_with_position('sections', 'section') }} from details
),

-- Each section and each item parsed once (see json_text_list).
section_items as (
    select
        evaluation_id,
        section_position,
        {{ json_text_list('section', section_fields) }} as section_texts,
        json_extract(section, '$.line_items[*]') as line_items
    from sections
),

items as (
    select * exclude (line_items), {{ unnest_with_position('line_items', 'item') }}
    from section_items
),

extracted as (
    select * exclude (item), {{ json_text_list('item', item_fields) }} as texts from items
)

select
    evaluation_id,
    {{ json_field('section_texts', section_fields, 'section_id') }} as section_id,
    {{ json_field('section_texts', section_fields, 'section_title') }} as section_title,
    section_position,
    item_position,
    coalesce(
        {{ json_field('texts', item_fields, 'line_item_id') }},
        'question:' || {{ json_field('texts', item_fields, 'question') }}
    ) as line_item_key,
    {{ json_columns('texts', item_fields, ['line_item_id', 'question', 'outcome']) }},
    try_cast({{ json_field('texts', item_fields, 'outcome_score') }} as double) as outcome_score,
    lower({{ json_field('texts', item_fields, 'result') }}) as result,
    try_cast({{ json_field('texts', item_fields, 'weight') }} as double) as weight,
    try_cast({{ json_field('texts', item_fields, 'score') }} as double) as score,
    try_cast({{ json_field('texts', item_fields, 'max_score') }} as double) as max_score,
    coalesce(try_cast({{ json_field('texts', item_fields, 'auto_fail') }} as boolean), false)
        as is_auto_fail,
    coalesce(try_cast({{ json_field('texts', item_fields, 'auto_failed') }} as boolean), false)
        as is_auto_failed,
    {{ json_field('texts', item_fields, 'feedback') }} as feedback
from extracted
