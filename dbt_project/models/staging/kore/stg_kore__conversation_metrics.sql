-- One row per evaluation metric of a conversation. Old payloads omit the metric id: the metric
-- name then stands in as its key. Incremental, like the conversations.
{{ config(pre_hook="{{ delete_superseded_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}") }}

{#- Every documented spelling of each metric field, first match wins. -#}
{%- set fields = {
    'metric_id': ['Metric ID', 'metricId', 'metric_id'],
    'metric_name': ['Metric Name', 'metricName', 'metric_name'],
    'metric_weight': ['Metric Weight', 'metricWeight'],
    'metric_negative_weight': ['Metric Negative Weight', 'metricNegativeWeight'],
    'qualification': ['Qualification', 'qualification'],
    'auditor_response': ['Auditor Response', 'auditorResponse', 'auditor_response'],
    'is_fatal_metric': ['isFatalError', 'Is Fatal Error'],
} %}

with conversations as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        -- Read once: the list and its length come from the same parse.
        json_extract(record, '$.Metrics[*]') as metrics
    from ({{ records_of_new_loads(ref('base_kore__rawdata_records')) }}) as base
),

metrics as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        {{ unnest_with_position('metrics', 'metric') }}
    from conversations
),

-- Each metric parsed once (see json_text_list).
extracted as (
    select *, {{ json_text_list('metric', fields) }} as texts
    from metrics
),

renamed as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        metric_position,
        {{ json_field('texts', fields, 'metric_id') }} as metric_id,
        {{ json_field('texts', fields, 'metric_name') }} as metric_name,
        try_cast({{ json_field('texts', fields, 'metric_weight') }} as double) as metric_weight,
        coalesce(try_cast({{ json_field('texts', fields, 'metric_negative_weight') }} as double), 0)
            as metric_negative_weight,
        {{ json_field('texts', fields, 'qualification') }} as qualification,
        {{ json_field('texts', fields, 'auditor_response') }} as auditor_response,
        coalesce(try_cast({{ json_field('texts', fields, 'is_fatal_metric') }} as boolean), false)
            as is_fatal_metric
    from extracted
),

final as (
    select
        *,
        coalesce(metric_id, 'name:' || metric_name) as metric_key
    from renamed
    where coalesce(metric_id, metric_name) is not null
)

select * from final
qualify row_number() over (partition by conversation_id, metric_key order by metric_position) = 1
