with audits as (
    select * from {{ ref('int_audits__unioned') }}
),

interactions as (
    select interaction_id, vendor, vendor_interaction_id, agent_id
    from {{ ref('fct_interaction') }}
)

select
    {{ surrogate_key(['audits.vendor', 'audits.vendor_audit_id']) }} as audit_id,
    audits.vendor,
    audits.vendor_audit_id,
    interactions.interaction_id,
    interactions.agent_id,
    audits.audit_status,
    audits.auditor_name,
    audits.audit_score,
    audits.audited_at
from audits
left join interactions
    on interactions.vendor = audits.vendor
    and interactions.vendor_interaction_id = audits.vendor_interaction_id
