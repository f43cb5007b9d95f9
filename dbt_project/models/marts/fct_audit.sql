-- Incremental like fct_kpi_score (macros/incremental_loads.sql). The post-hook brings the
-- interaction and agent of rows held from earlier runs up to date.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_to_rebuild('vendor_audit_id') }}",
    post_hook="{{ update_resolved_columns(resolved_audit_links(), 'audit_id', ['interaction_id', 'agent_id']) }}",
) }}
{{ incremental_depends_on() }}

with audits as (
    {{ rows_to_rebuild(ref('int_audits__unioned')) }}
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
    audits.audited_at,
    audits.vendor_interaction_id,
    {{ load_key_columns('audits') }}
from audits
left join interactions
    on interactions.vendor = audits.vendor
    and interactions.vendor_interaction_id = audits.vendor_interaction_id
