-- A Kore conversation scored both by AutoQA and by a person: its audit, once audited with a
-- score. Both on Kore's scale (-100 to 100), clamped to 0..100 as the evaluations are.
select
    'kore' as vendor,
    conversation_id as vendor_interaction_id,
    conversation_id as vendor_evaluation_id,
    cast(least(greatest(autoqa_score, 0), 100) as double) as ai_score_pct,
    coalesce(ended_at, started_at) as ai_scored_at,
    cast(least(greatest(audit_score, 0), 100) as double) as human_score_pct,
    audited_at as human_scored_at,
    auditor_name as reviewer_name
from {{ ref('int_kore__conversations') }}
where is_evaluated
    and audit_status = 'audited'
    and autoqa_score is not null
    and audit_score is not null
