-- One row per contact (conversation) that EvaluAgent included beside its evaluations.
with resources as (
    select extracted_at, resource
    from {{ ref('base_evaluagent__evaluation_resources') }}
    where part = 'included'
),

renamed as (
    select
        resource ->> '$.id' as contact_id,
        resource ->> '$.attributes.contact_reference' as contact_reference,
        {{ to_utc_timestamp("resource ->> '$.attributes.contact_date'") }} as contact_date,
        resource ->> '$.attributes.channel' as channel,
        try_cast(resource ->> '$.attributes.handling_time' as double) as handling_time_seconds,
        resource ->> '$.attributes.agent_id' as agent_user_id,
        resource ->> '$.relationships.evaluation.data.id' as evaluation_id,
        resource -> '$.attributes.metadata' as metadata,
        extracted_at
    from resources
    where resource ->> '$.type' = 'contacts'
)

select *
from renamed
where contact_id is not null
qualify row_number() over (partition by contact_id order by extracted_at desc) = 1
