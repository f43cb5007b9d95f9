-- One row per Kore conversation, every documented key spelling folded into one column.
-- Incremental: only the records of loads not parsed yet (see macros/incremental_loads.sql).
{{ config(pre_hook="{{ delete_superseded_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}") }}

with source as (
    select base.*
    from {{ ref('base_kore__rawdata_records') }} as base
    inner join ({{ new_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}) as new_loads
        using (loaded_window_start, loaded_run_id)
),

renamed as (
    select
        conversation_id,
        record ->> '$.customConversationId' as custom_conversation_id,
        {{ to_utc_timestamp(json_text('record', ['conversationStartTime', 'Conversation Start Time'])) }}
            as started_at,
        {{ to_utc_timestamp(json_text('record', ['conversationEndTime', 'Conversation End Time'])) }}
            as ended_at,
        {{ duration_seconds(json_text('record', ['duration', 'Duration'])) }} as duration_seconds,
        lower({{ json_text('record', ['contact_direction', 'contactDirection']) }}) as direction,
        {{ json_text('record', ['Language', 'language']) }} as language,
        {{ json_text('record', ['src', 'Source']) }} as source_channel,
        {{ json_number('record', ['koreEvalutionScore', 'koreEvaluationScore', 'Kore Evaluation Score']) }}
            as autoqa_score,
        {{ json_text('record', ['koreEvalutionScore', 'koreEvaluationScore', 'Kore Evaluation Score']) }}
            as autoqa_score_raw,
        cast({{ json_number('record', ['fatalErrorCount', 'Fatal Errors']) }} as integer)
            as fatal_error_count,
        lower({{ json_text('record', ['duration_status']) }}) as duration_status,
        {{ json_text('record', ['AuditStatus', 'Audit Status', 'auditStatus', 'audit_status']) }}
            as audit_status_raw,
        {{ json_number('record', ['AuditScore', 'Audit Score', 'auditScore']) }} as audit_score,
        {{ to_utc_timestamp(json_text('record', ['audit_date', 'Audit Date', 'AuditDate'])) }}
            as audited_at,
        {{ json_text('record', ['auditor', 'Auditor Name', 'AuditorName']) }} as auditor_name,
        {{ json_text('record', ['sentiment', 'Sentiment']) }} as sentiment_label,
        {{ json_number('record', ['sentimentScore', 'Sentiment Score']) }} as sentiment_score,
        coalesce(
            json_extract_string(record, '$.Queues[0]."Queue Name"'),
            json_extract_string(record, '$.Queues[0].queueName'),
            record ->> '$.queueName'
        ) as queue_name,
        loaded_window_start,
        loaded_run_id,
        extracted_at
    from source
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
