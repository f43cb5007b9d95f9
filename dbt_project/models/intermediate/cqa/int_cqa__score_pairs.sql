-- A CQA analysis scored by the AI (`ai_score`) and reviewed by a person (`qa_score`, present
-- only once a QA reviewer has scored it), both against the analysis's maximum. The AI scored
-- when the interaction was analysed (its creation: CQA analyses on ingest); the review is as
-- of the analysis's completion time, which a review moves. CQA names no reviewer in its pull
-- API.
select
    'cqa' as vendor,
    analyses.interaction_id as vendor_interaction_id,
    analyses.analysis_id as vendor_evaluation_id,
    least(greatest(100.0 * analyses.ai_score / analyses.max_score, 0), 100) as ai_score_pct,
    coalesce(interactions.created_at, analyses.analysis_completed_at) as ai_scored_at,
    least(greatest(100.0 * analyses.qa_score / analyses.max_score, 0), 100) as human_score_pct,
    analyses.analysis_completed_at as human_scored_at,
    cast(null as varchar) as reviewer_name
from {{ ref('stg_cqa__analyses') }} as analyses
left join {{ ref('stg_cqa__interactions') }} as interactions
    on interactions.interaction_id = analyses.interaction_id
where analyses.status = 'completed'
    and analyses.max_score > 0
    and analyses.ai_score is not null
    and analyses.qa_score is not null
