-- EvaluAgent evaluations are human reviews; score is already a percentage, 0 on auto-fail.
select
    'evaluagent' as vendor,
    evaluation_id as vendor_evaluation_id,
    contact_id as vendor_interaction_id,
    agent_user_id as vendor_agent_id,
    evaluator_name,
    'human' as evaluation_type,
    published_at as evaluated_at,
    score,
    max_score,
    case
        when score is not null and max_score > 0
            then least(greatest(100.0 * score / max_score, 0), 100)
    end as score_pct,
    is_auto_failed as is_fatal
from {{ ref('stg_evaluagent__evaluations') }}
