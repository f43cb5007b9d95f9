-- A completed CQA analysis is an AI evaluation, or a human one once a QA score overrode it.
-- score is the final score (QA if present, else AI); score_pct = 100 x final / max.
select
    'cqa' as vendor,
    analysis_id as vendor_evaluation_id,
    interaction_id as vendor_interaction_id,
    cast(null as varchar) as vendor_agent_id,  -- the interaction's agent
    cast(null as varchar) as evaluator_name,
    case when qa_score is not null then 'human' else 'ai' end as evaluation_type,
    analysis_completed_at as evaluated_at,
    final_score as score,
    max_score,
    case
        when final_score is not null and max_score > 0
            then least(greatest(100.0 * final_score / max_score, 0), 100)
    end as score_pct,
    -- CQA reports no fatal / auto-fail flag.
    false as is_fatal
from {{ ref('stg_cqa__analyses') }}
where status = 'completed'
