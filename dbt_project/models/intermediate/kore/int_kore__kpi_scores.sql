-- One row per Kore metric: YES earns the metric weight, NO loses the negative weight; "NA",
-- "-" (manual metric) and a missing Qualification are not scored (NULL, never 0).
with metrics as (
    select metrics.*
    from {{ ref('stg_kore__conversation_metrics') }} as metrics
    inner join {{ ref('int_kore__evaluations') }} as evaluations
        on evaluations.vendor_evaluation_id = metrics.conversation_id
),

scored as (
    select
        *,
        {{ answer_label('qualification') }} as answer
    from metrics
)

select
    'kore' as vendor,
    conversation_id as vendor_evaluation_id,
    metric_key as kpi_key,
    metric_name as kpi_name,
    cast(null as varchar) as category_name,
    cast(null as varchar) as sub_category_name,
    answer,
    case answer
        when 'yes' then metric_weight
        when 'no' then -metric_negative_weight
    end as score,
    metric_weight as max_score,
    cast(case
        when metric_weight is null or metric_weight <= 0 then null
        when answer = 'yes' then 100
        when answer = 'no' then 0
    end as double) as score_pct,
    metric_weight as weight,
    is_fatal_metric as is_fatal,
    case when answer in ('yes', 'no') then answer = 'no' end as is_failed,
    -- The load the metric was parsed from: fct_kpi_score keeps Kore's rows per load.
    loaded_window_start,
    loaded_run_id
from scored
