-- One row per CQA interaction, from its latest fetch. failure_reason only when failed.
{%- set fields = {
    'interaction_id': ['$.data.interaction_id'],
    'external_interaction_id': ['$.data.external_interaction_id'],
    'batch_id': ['$.data.batch_id'],
    'channel_type': ['$.data.channel_type'],
    'source_system': ['$.data.source'],
    'status': ['$.data.status'],
    'failure_reason': ['$.data.failure_reason'],
    'language': ['$.data.language'],
    'duration_seconds': ['$.data.duration_seconds'],
    'interaction_started_at': ['$.data.interaction_start_time'],
    'created_at': ['$.data.created_at'],
    'status_modified_at': ['$.data.status_modified_at'],
    'agent_email': ['$.data.metadata.agent_email'],
    'agent_id': ['$.data.metadata.agent_id'],
    'agent_name': ['$.data.metadata.agent_name'],
} %}

with pages as (
    {{ landed_pages(source('cqa', 'interactions')) }}
),

-- Each document parsed once for its fields (see json_text_list); metadata stays JSON.
extracted as (
    select
        {{ json_text_list('payload', fields) }} as texts,
        payload -> '$.data.metadata' as metadata,
        extracted_at
    from pages
),

renamed as (
    select
        {{ json_columns('texts', fields, [
            'interaction_id',
            'external_interaction_id',
            'batch_id',
            'channel_type',
            'source_system',
        ]) }},
        lower({{ json_field('texts', fields, 'status') }}) as status,
        {{ json_field('texts', fields, 'failure_reason') }} as failure_reason,
        {{ json_field('texts', fields, 'language') }} as language,
        try_cast({{ json_field('texts', fields, 'duration_seconds') }} as double)
            as duration_seconds,
        {{ to_utc_timestamp(json_field('texts', fields, 'interaction_started_at')) }}
            as interaction_started_at,
        {{ to_utc_timestamp(json_field('texts', fields, 'created_at')) }} as created_at,
        {{ to_utc_timestamp(json_field('texts', fields, 'status_modified_at')) }}
            as status_modified_at,
        {{ normalize_email(json_field('texts', fields, 'agent_email')) }} as agent_email,
        coalesce(
            {{ json_field('texts', fields, 'agent_id') }},
            {{ normalize_email(json_field('texts', fields, 'agent_email')) }}
        ) as agent_key,
        {{ json_field('texts', fields, 'agent_name') }} as agent_name,
        metadata,
        extracted_at
    from extracted
)

select *
from renamed
where interaction_id is not null
qualify row_number() over (partition by interaction_id order by extracted_at desc) = 1
