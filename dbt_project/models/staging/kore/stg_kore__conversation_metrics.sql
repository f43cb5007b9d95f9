-- One row per evaluation metric of a conversation. Old payloads omit the metric id: the metric
-- name then stands in as its key. Incremental, like the conversations.
{{ config(pre_hook="{{ delete_superseded_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}") }}

with conversations as (
    select conversation_id, loaded_window_start, loaded_run_id, record
    from {{ ref('base_kore__rawdata_records') }} as base
    inner join ({{ new_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}) as new_loads
        using (loaded_window_start, loaded_run_id)
),

metrics as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        unnest(json_extract(record, '$.Metrics[*]')) as metric,
        unnest(range(1, len(json_extract(record, '$.Metrics[*]')) + 1)) as metric_position
    from conversations
),

renamed as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        metric_position,
        {{ json_text('metric', ['Metric ID', 'metricId', 'metric_id']) }} as metric_id,
        {{ json_text('metric', ['Metric Name', 'metricName', 'metric_name']) }} as metric_name,
        {{ json_number('metric', ['Metric Weight', 'metricWeight']) }} as metric_weight,
        coalesce({{ json_number('metric', ['Metric Negative Weight', 'metricNegativeWeight']) }}, 0)
            as metric_negative_weight,
        {{ json_text('metric', ['Qualification', 'qualification']) }} as qualification,
        coalesce({{ json_boolean('metric', ['isFatalError', 'Is Fatal Error']) }}, false)
            as is_fatal_metric
    from metrics
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
