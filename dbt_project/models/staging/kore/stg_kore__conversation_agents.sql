-- One row per agent of a conversation; several agents can share a conversation (and a name).
-- Incremental, like the conversations.
{{ config(pre_hook="{{ delete_superseded_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}") }}

with conversations as (
    select conversation_id, loaded_window_start, loaded_run_id, record
    from {{ ref('base_kore__rawdata_records') }} as base
    inner join ({{ new_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}) as new_loads
        using (loaded_window_start, loaded_run_id)
),

agents as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        unnest(json_extract(record, '$.Agents[*]')) as agent,
        unnest(range(1, len(json_extract(record, '$.Agents[*]')) + 1)) as agent_position
    from conversations
),

final as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        agent_position,
        {{ json_text('agent', ['Agent ID', 'agentId', 'agent_id']) }} as agent_id,
        {{ json_text('agent', ['Agent Name', 'agentName', 'agent_name']) }} as agent_name,
        {{ normalize_email(json_text('agent', ['Agent Email', 'agentEmail', 'agent_email'])) }}
            as agent_email,
        {{ to_utc_timestamp(json_text('agent', ['Agent Start Time', 'agentStartTime'])) }}
            as agent_started_at
    from agents
)

select * from final
where agent_id is not null
