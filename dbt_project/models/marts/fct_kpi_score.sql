with kpis as (
    select * from {{ ref('int_kpi_scores__unioned') }}
)

select
    {{ surrogate_key(['vendor', 'vendor_evaluation_id', 'kpi_key']) }} as kpi_score_id,
    {{ surrogate_key(['vendor', 'vendor_evaluation_id']) }} as evaluation_id,
    vendor,
    kpi_key as vendor_kpi_key,
    kpi_name,
    category_name,
    sub_category_name,
    answer,
    score,
    max_score,
    score_pct,
    weight,
    is_fatal,
    is_failed
from kpis
