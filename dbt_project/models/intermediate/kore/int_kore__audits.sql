-- Kore's audit workflow state of each conversation (a human review in Kore's own tool).
select
    'kore' as vendor,
    conversation_id as vendor_audit_id,
    conversation_id as vendor_interaction_id,
    audit_status,
    auditor_name,
    audit_score,
    audited_at,
    loaded_window_start,
    loaded_run_id
from {{ ref('stg_kore__conversations') }}
where audit_status is not null
