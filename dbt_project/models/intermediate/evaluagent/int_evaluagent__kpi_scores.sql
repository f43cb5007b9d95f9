-- One row per line item. An "N/A" item is not scored: NULL score and score_pct, never 0.
select
    'evaluagent' as vendor,
    evaluation_id as vendor_evaluation_id,
    line_item_key as kpi_key,
    question as kpi_name,
    section_title as category_name,
    cast(null as varchar) as sub_category_name,
    {{ answer_label('outcome') }} as answer,
    case when outcome_score is not null then score end as score,
    max_score,
    case when outcome_score is not null then 100.0 * outcome_score end as score_pct,
    weight,
    is_auto_fail as is_fatal,
    case
        when outcome_score is null then null
        else is_auto_failed or result = 'fail'
    end as is_failed
from {{ ref('stg_evaluagent__line_items') }}
