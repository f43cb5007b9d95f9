-- One row per criterion of a completed analysis, its section as the category. Voxxi scores
-- sections, not criteria: a criterion has an answer and a percentage (yes 100, partial 50,
-- no 0), never points; N/A is NULL, never 0.
with criteria as (
    select criteria.*, {{ answer_label('criteria.result') }} as answer
    from {{ ref('stg_voxxi__criteria') }} as criteria
    inner join {{ ref('int_voxxi__calls') }} as calls
        on calls.call_id = criteria.call_id and calls.status = 'completed'
)

select
    'voxxi' as vendor,
    call_id as vendor_evaluation_id,
    coalesce(criteria_id, 'question:' || question) as kpi_key,
    question as kpi_name,
    section_name as category_name,
    cast(null as varchar) as sub_category_name,
    answer,
    cast(null as double) as score,
    cast(null as double) as max_score,
    cast(case answer when 'yes' then 100 when 'partial' then 50 when 'no' then 0 end as double)
        as score_pct,
    cast(null as double) as weight,
    false as is_fatal,
    case when answer in ('yes', 'no', 'partial') then answer = 'no' end as is_failed
from criteria
