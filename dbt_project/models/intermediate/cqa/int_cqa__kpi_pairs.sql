-- Each KPI of a CQA analysis a QA reviewer has scored: the AI's answer and score against the
-- reviewer's. A reviewer overrides the KPIs they disagree with; a KPI of a reviewed analysis
-- left as the AI answered it is one the reviewer accepted, so it pairs with itself.
with reviewed as (
    select analysis_id, interaction_id, analysis_completed_at
    from {{ ref('stg_cqa__analyses') }}
    where status = 'completed' and qa_score is not null
)

select
    'cqa' as vendor,
    reviewed.interaction_id as vendor_interaction_id,
    kpis.analysis_id as vendor_evaluation_id,
    kpis.kpi_key,
    kpis.kpi_name,
    kpis.category_name,
    {{ answer_label('kpis.ai_response') }} as ai_answer,
    {{ answer_label('coalesce(kpis.qa_response, kpis.ai_response)') }} as human_answer,
    case
        when kpis.max_score > 0 and kpis.ai_score is not null
            then least(greatest(100.0 * kpis.ai_score / kpis.max_score, 0), 100)
    end as ai_score_pct,
    case
        when kpis.max_score > 0 and coalesce(kpis.qa_score, kpis.ai_score) is not null
            then least(greatest(100.0 * coalesce(kpis.qa_score, kpis.ai_score) / kpis.max_score, 0), 100)
    end as human_score_pct,
    reviewed.analysis_completed_at as human_scored_at
from {{ ref('stg_cqa__kpis') }} as kpis
inner join reviewed using (analysis_id)
