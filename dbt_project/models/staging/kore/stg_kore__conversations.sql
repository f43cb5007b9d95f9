-- One row per Kore conversation, every documented key spelling folded into one column.
-- Incremental: only the records of loads not parsed yet (see macros/incremental_loads.sql).
{{ config(pre_hook="{{ delete_superseded_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}") }}

{#- Every documented spelling of each field, first match wins. -#}
{%- set fields = {
    'custom_conversation_id': ['customConversationId'],
    'started_at': ['conversationStartTime', 'Conversation Start Time'],
    'ended_at': ['conversationEndTime', 'Conversation End Time'],
    'duration': ['duration', 'Duration'],
    'direction': ['contact_direction', 'contactDirection'],
    'language': ['Language', 'language'],
    'source_channel': ['src', 'Source'],
    'autoqa_score': ['koreEvalutionScore', 'koreEvaluationScore', 'Kore Evaluation Score'],
    'fatal_error_count': ['fatalErrorCount', 'Fatal Errors'],
    'duration_status': ['duration_status'],
    'audit_status': ['AuditStatus', 'Audit Status', 'auditStatus', 'audit_status'],
    'audit_score': ['AuditScore', 'Audit Score', 'auditScore'],
    'audited_at': ['audit_date', 'Audit Date', 'AuditDate'],
    'auditor_name': ['auditor', 'Auditor Name', 'AuditorName'],
    'sentiment_label': ['sentiment', 'Sentiment'],
    'sentiment_score': ['sentimentScore', 'Sentiment Score'],
    'queue_name': ['$.Queues[0]."Queue Name"', '$.Queues[0].queueName', 'queueName'],
} %}

with source as (
    select base.*
    from ({{ records_of_new_loads(ref('base_kore__rawdata_records')) }}) as base
),

-- Each record parsed once (see json_text_list).
extracted as (
    select
        conversation_id,
        {{ json_text_list('record', fields) }} as texts,
        loaded_window_start,
        loaded_run_id,
        extracted_at
    from source
),

renamed as (
    select
        conversation_id,
        {{ json_field('texts', fields, 'custom_conversation_id') }} as custom_conversation_id,
        {{ to_utc_timestamp(json_field('texts', fields, 'started_at')) }} as started_at,
        {{ to_utc_timestamp(json_field('texts', fields, 'ended_at')) }} as ended_at,
        {{ duration_seconds(json_field('texts', fields, 'duration')) }} as duration_seconds,
        lower({{ json_field('texts', fields, 'direction') }}) as direction,
        {{ json_field('texts', fields, 'language') }} as language,
        {{ json_field('texts', fields, 'source_channel') }} as source_channel,
        try_cast({{ json_field('texts', fields, 'autoqa_score') }} as double) as autoqa_score,
        {{ json_field('texts', fields, 'autoqa_score') }} as autoqa_score_raw,
        cast(try_cast({{ json_field('texts', fields, 'fatal_error_count') }} as double) as integer)
            as fatal_error_count,
        lower({{ json_field('texts', fields, 'duration_status') }}) as duration_status,
        {{ json_field('texts', fields, 'audit_status') }} as audit_status_raw,
        try_cast({{ json_field('texts', fields, 'audit_score') }} as double) as audit_score,
        {{ to_utc_timestamp(json_field('texts', fields, 'audited_at')) }} as audited_at,
        {{ json_field('texts', fields, 'auditor_name') }} as auditor_name,
        {{ json_field('texts', fields, 'sentiment_label') }} as sentiment_label,
        try_cast({{ json_field('texts', fields, 'sentiment_score') }} as double) as sentiment_score,
        {{ json_field('texts', fields, 'queue_name') }} as queue_name,
        loaded_window_start,
        loaded_run_id,
        extracted_at
    from extracted
),

final as (
    select
        * exclude (audit_status_raw),
        case lower(replace(trim(audit_status_raw), '_', ' '))
            when 'audited' then 'audited'
            when 'assigned' then 'assigned'
            when 'not assigned' then 'not_assigned'
            when 'unassigned' then 'not_assigned'
        end as audit_status,
        audit_status_raw,
        coalesce(duration_status, 'evaluated') not in ('below_threshold', 'duration_unavailable')
            as is_evaluated
    from renamed
)

select * from final
