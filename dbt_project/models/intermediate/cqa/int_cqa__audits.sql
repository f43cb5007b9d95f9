-- A QA review in CQA (qa_score present) is a completed human audit of the analysis.
select
    'cqa' as vendor,
    analysis_id as vendor_audit_id,
    interaction_id as vendor_interaction_id,
    'audited' as audit_status,
    cast(null as varchar) as auditor_name,
    qa_score as audit_score,
    analysis_completed_at as audited_at
from {{ ref('stg_cqa__analyses') }}
where qa_score is not null
