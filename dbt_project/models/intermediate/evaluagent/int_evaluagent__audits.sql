-- An EvaluAgent evaluation is a person reviewing a conversation: it is also an audit, complete
-- when published (see DECISIONLOG.md).
select
    'evaluagent' as vendor,
    evaluation_id as vendor_audit_id,
    contact_id as vendor_interaction_id,
    'audited' as audit_status,
    evaluator_name as auditor_name,
    score as audit_score,
    published_at as audited_at
from {{ ref('stg_evaluagent__evaluations') }}
