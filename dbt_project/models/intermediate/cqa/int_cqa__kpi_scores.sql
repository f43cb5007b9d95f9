-- One row per CQA KPI. A QA override wins over the AI's answer and score. A KPI whose maximum
-- is 0 has no percentage.
select
    'cqa' as vendor,
    kpis.analysis_id as vendor_evaluation_id,
    kpis.kpi_key,
    kpis.kpi_name,
    kpis.category_name,
    kpis.sub_category_name,
    {{ answer_label('coalesce(kpis.qa_response, kpis.ai_response)') }} as answer,
    kpis.final_score as score,
    kpis.max_score,
    case
        when kpis.final_score is not null and kpis.max_score > 0
            then least(greatest(100.0 * kpis.final_score / kpis.max_score, 0), 100)
    end as score_pct,
    kpis.max_score as weight,
    false as is_fatal,
    case
        when kpis.max_score > 0 and kpis.final_score is not null
            then kpis.final_score < kpis.max_score / 2
    end as is_failed
from {{ ref('stg_cqa__kpis') }} as kpis
inner join {{ ref('int_cqa__evaluations') }} as evaluations
    on evaluations.vendor_evaluation_id = kpis.analysis_id
