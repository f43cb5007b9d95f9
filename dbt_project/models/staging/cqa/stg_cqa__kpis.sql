-- One row per KPI of an analysis: categories -> sub-categories -> KPIs. CQA gives names, no ids.
{%- set kpi_fields = {
    'kpi_name': ['$.kpi_name'],
    'ai_response': ['$.ai_response'],
    'qa_response': ['$.qa_selected_kpi_option_value'],
    'ai_score': ['$.ai_score'],
    'qa_score': ['$.qa_score'],
    'final_score': ['$.final_score'],
    'max_score': ['$.max_score'],
    'ai_justification': ['$.ai_justification'],
    'qa_justification': ['$.qa_justification'],
} %}

with analyses as (
    select analysis_id, categories from {{ ref('stg_cqa__analyses') }}
),

categories as (
    select analysis_id, {{ unnest_with_position('categories', 'category') }} from analyses
),

category_parts as (
    select
        * exclude (category),
        category ->> '$.name' as category_name,
        json_extract(category, '$.sub_categories[*]') as sub_categories
    from categories
),

sub_categories as (
    select
        * exclude (sub_categories),
        {{ unnest_with_position('sub_categories', 'sub_category') }}
    from category_parts
),

sub_category_parts as (
    select
        * exclude (sub_category),
        sub_category ->> '$.name' as sub_category_name,
        json_extract(sub_category, '$.kpis[*]') as kpis
    from sub_categories
),

kpis as (
    select * exclude (kpis), {{ unnest_with_position('kpis', 'kpi') }} from sub_category_parts
),

-- Each KPI parsed once (see json_text_list).
extracted as (
    select * exclude (kpi), {{ json_text_list('kpi', kpi_fields) }} as texts from kpis
)

select
    analysis_id,
    category_name,
    sub_category_name,
    {{ json_field('texts', kpi_fields, 'kpi_name') }} as kpi_name,
    category_name || ' / ' || sub_category_name || ' / '
    || {{ json_field('texts', kpi_fields, 'kpi_name') }} as kpi_key,
    {{ json_field('texts', kpi_fields, 'ai_response') }} as ai_response,
    {{ json_field('texts', kpi_fields, 'qa_response') }} as qa_response,
    try_cast({{ json_field('texts', kpi_fields, 'ai_score') }} as double) as ai_score,
    try_cast({{ json_field('texts', kpi_fields, 'qa_score') }} as double) as qa_score,
    try_cast({{ json_field('texts', kpi_fields, 'final_score') }} as double) as final_score,
    try_cast({{ json_field('texts', kpi_fields, 'max_score') }} as double) as max_score,
    {{ json_field('texts', kpi_fields, 'ai_justification') }} as ai_justification,
    {{ json_field('texts', kpi_fields, 'qa_justification') }} as qa_justification,
    category_position,
    sub_category_position,
    kpi_position
from extracted
