-- One row per CQA interaction, from its latest fetch. failure_reason only when failed.
with pages as (
    {{ landed_pages(source('cqa', 'interactions')) }}
),

renamed as (
    select
        payload ->> '$.data.interaction_id' as interaction_id,
        payload ->> '$.data.external_interaction_id' as external_interaction_id,
        payload ->> '$.data.batch_id' as batch_id,
        payload ->> '$.data.channel_type' as channel_type,
        payload ->> '$.data.source' as source_system,
        lower(payload ->> '$.data.status') as status,
        payload ->> '$.data.failure_reason' as failure_reason,
        payload ->> '$.data.language' as language,
        try_cast(payload ->> '$.data.duration_seconds' as double) as duration_seconds,
        {{ to_utc_timestamp("payload ->> '$.data.interaction_start_time'") }}
            as interaction_started_at,
        {{ to_utc_timestamp("payload ->> '$.data.created_at'") }} as created_at,
        {{ to_utc_timestamp("payload ->> '$.data.status_modified_at'") }} as status_modified_at,
        {{ normalize_email("payload ->> '$.data.metadata.agent_email'") }} as agent_email,
        coalesce(
            payload ->> '$.data.metadata.agent_id',
            {{ normalize_email("payload ->> '$.data.metadata.agent_email'") }}
        ) as agent_key,
        payload ->> '$.data.metadata.agent_name' as agent_name,
        payload -> '$.data.metadata' as metadata,
        extracted_at
    from pages
)

select *
from renamed
where interaction_id is not null
qualify row_number() over (partition by interaction_id order by extracted_at desc) = 1
