-- One row per contact (conversation) that EvaluAgent included beside its evaluations.
{%- set fields = {
    'type': ['$.type'],
    'contact_id': ['$.id'],
    'contact_reference': ['$.attributes.contact_reference'],
    'contact_date': ['$.attributes.contact_date'],
    'channel': ['$.attributes.channel'],
    'handling_time': ['$.attributes.handling_time'],
    'agent_user_id': ['$.attributes.agent_id'],
    'evaluation_id': ['$.relationships.evaluation.data.id'],
} %}

with resources as (
    select extracted_at, resource
    from {{ ref('base_evaluagent__evaluation_resources') }}
    where part = 'included'
),

-- Each resource parsed once for its fields (see json_text_list); metadata stays JSON.
extracted as (
    select
        {{ json_text_list('resource', fields) }} as texts,
        resource -> '$.attributes.metadata' as metadata,
        extracted_at
    from resources
),

renamed as (
    select
        {{ json_field('texts', fields, 'contact_id') }} as contact_id,
        {{ json_field('texts', fields, 'contact_reference') }} as contact_reference,
        {{ to_utc_timestamp(json_field('texts', fields, 'contact_date')) }} as contact_date,
        {{ json_field('texts', fields, 'channel') }} as channel,
        try_cast({{ json_field('texts', fields, 'handling_time') }} as double)
            as handling_time_seconds,
        {{ json_field('texts', fields, 'agent_user_id') }} as agent_user_id,
        {{ json_field('texts', fields, 'evaluation_id') }} as evaluation_id,
        metadata,
        extracted_at
    from extracted
    where {{ json_field('texts', fields, 'type') }} = 'contacts'
)

select *
from renamed
where contact_id is not null
qualify row_number() over (partition by contact_id order by extracted_at desc) = 1
