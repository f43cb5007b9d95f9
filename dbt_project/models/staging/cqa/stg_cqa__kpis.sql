-- One row per KPI of an analysis: categories -> sub-categories -> KPIs. CQA gives names, no ids.
with analyses as (
    select analysis_id, categories from {{ ref('stg_cqa__analyses') }}
),

categories as (
    select
        analysis_id,
        unnest(categories) as category,
        unnest(range(1, len(categories) + 1)) as category_position
    from analyses
),

sub_categories as (
    select
        analysis_id,
        category_position,
        category ->> '$.name' as category_name,
        unnest(json_extract(category, '$.sub_categories[*]')) as sub_category,
        unnest(range(1, len(json_extract(category, '$.sub_categories[*]')) + 1))
            as sub_category_position
    from categories
),

kpis as (
    select
        analysis_id,
        category_name,
        sub_category ->> '$.name' as sub_category_name,
        category_position,
        sub_category_position,
        unnest(json_extract(sub_category, '$.kpis[*]')) as kpi,
        unnest(range(1, len(json_extract(sub_category, '$.kpis[*]')) + 1)) as kpi_position
    from sub_categories
)

select
    analysis_id,
    category_name,
    sub_category_name,
    kpi ->> '$.kpi_name' as kpi_name,
    category_name || ' / ' || sub_category_name || ' / ' || (kpi ->> '$.kpi_name') as kpi_key,
    kpi ->> '$.ai_response' as ai_response,
    kpi ->> '$.qa_selected_kpi_option_value' as qa_response,
    try_cast(kpi ->> '$.ai_score' as double) as ai_score,
    try_cast(kpi ->> '$.qa_score' as double) as qa_score,
    try_cast(kpi ->> '$.final_score' as double) as final_score,
    try_cast(kpi ->> '$.max_score' as double) as max_score,
    kpi ->> '$.ai_justification' as ai_justification,
    kpi ->> '$.qa_justification' as qa_justification,
    category_position,
    sub_category_position,
    kpi_position
from kpis
