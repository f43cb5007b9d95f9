-- One row per agent of a conversation; several agents can share a conversation (and a name).
-- Incremental, like the conversations.
{{ config(pre_hook="{{ delete_superseded_loads(current_loads_of(ref('base_kore__rawdata_records'))) }}") }}

{#- Every documented spelling of each agent field, first match wins. -#}
{%- set fields = {
    'agent_id': ['Agent ID', 'agentId', 'agent_id'],
    'agent_name': ['Agent Name', 'agentName', 'agent_name'],
    'agent_email': ['Agent Email', 'agentEmail', 'agent_email'],
    'agent_started_at': ['Agent Start Time', 'agentStartTime'],
} %}

with conversations as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        -- Read once: the list and its length come from the same parse.
        json_extract(record, '$.Agents[*]') as agents
    from ({{ records_of_new_loads(ref('base_kore__rawdata_records')) }}) as base
),

agents as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        {{ unnest_with_position('agents', 'agent') }}
    from conversations
),

-- Each agent parsed once (see json_text_list).
extracted as (
    select *, {{ json_text_list('agent', fields) }} as texts
    from agents
),

final as (
    select
        conversation_id,
        loaded_window_start,
        loaded_run_id,
        agent_position,
        {{ json_field('texts', fields, 'agent_id') }} as agent_id,
        {{ json_field('texts', fields, 'agent_name') }} as agent_name,
        {{ normalize_email(json_field('texts', fields, 'agent_email')) }} as agent_email,
        {{ to_utc_timestamp(json_field('texts', fields, 'agent_started_at')) }} as agent_started_at
    from extracted
)

select * from final
where agent_id is not null
