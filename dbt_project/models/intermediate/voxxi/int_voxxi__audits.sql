-- Voxxi has no human review of its analyses: no audits. The model keeps the shape, so the
-- unioned audits read every vendor alike.
select
    cast(null as varchar) as vendor,
    cast(null as varchar) as vendor_audit_id,
    cast(null as varchar) as vendor_interaction_id,
    cast(null as varchar) as audit_status,
    cast(null as varchar) as auditor_name,
    cast(null as double) as audit_score,
    cast(null as timestamp) as audited_at
where false
