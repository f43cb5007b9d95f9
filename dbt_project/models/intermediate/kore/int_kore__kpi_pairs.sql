-- A Kore metric answered both by AutoQA (`Qualification`) and by the auditor (`Auditor
-- Response`) in an audited conversation, each as a percentage the way the metric is scored
-- (yes 100, no 0; not scored otherwise).
with audited as (
    select conversation_id, audited_at
    from {{ ref('int_kore__conversations') }}
    where is_evaluated and audit_status = 'audited'
),

answered as (
    select
        metrics.*,
        audited.audited_at,
        {{ answer_label('metrics.qualification') }} as ai_answer,
        {{ answer_label('metrics.auditor_response') }} as human_answer
    from {{ ref('stg_kore__conversation_metrics') }} as metrics
    inner join audited using (conversation_id)
    where metrics.qualification is not null and metrics.auditor_response is not null
)

select
    'kore' as vendor,
    conversation_id as vendor_interaction_id,
    conversation_id as vendor_evaluation_id,
    metric_key as kpi_key,
    metric_name as kpi_name,
    cast(null as varchar) as category_name,
    ai_answer,
    human_answer,
    cast(case
        when metric_weight is null or metric_weight <= 0 then null
        when ai_answer = 'yes' then 100
        when ai_answer = 'no' then 0
    end as double) as ai_score_pct,
    cast(case
        when metric_weight is null or metric_weight <= 0 then null
        when human_answer = 'yes' then 100
        when human_answer = 'no' then 0
    end as double) as human_score_pct,
    audited_at as human_scored_at
from answered
