-- One row per EvaluAgent evaluation: its latest version (an evaluation re-published later keeps
-- its id and moves updated_at; the latest one wins, whichever window it was listed in).
with resources as (
    select extracted_at, resource
    from {{ ref('base_evaluagent__evaluation_resources') }}
    where part = 'data'
),

renamed as (
    select
        resource ->> '$.id' as evaluation_id,
        resource ->> '$.attributes.reference' as reference,
        resource ->> '$.attributes.status' as status,
        resource ->> '$.attributes.evaluation_type' as evaluation_mode,
        lower(resource ->> '$.attributes.outcome') as outcome,
        try_cast(resource ->> '$.attributes.score' as double) as score,
        coalesce(try_cast(resource ->> '$.attributes.max_score' as double), 100) as max_score,
        coalesce(try_cast(resource ->> '$.attributes.auto_failed' as boolean), false)
            as is_auto_failed,
        try_cast(resource ->> '$.attributes.auto_fail_count' as integer) as auto_fail_count,
        {{ to_utc_timestamp("resource ->> '$.attributes.published_at'") }} as published_at,
        {{ to_utc_timestamp("resource ->> '$.attributes.updated_at'") }} as updated_at,
        resource ->> '$.attributes.agent_name' as agent_name,
        resource ->> '$.attributes.evaluator_name' as evaluator_name,
        resource ->> '$.attributes.scorecard_id' as scorecard_id,
        resource ->> '$.attributes.scorecard_name' as scorecard_name,
        resource ->> '$.attributes.contact_reference' as contact_reference,
        resource ->> '$.relationships.agent.data.id' as agent_user_id,
        resource ->> '$.relationships.evaluator.data.id' as evaluator_user_id,
        json_extract_string(resource, '$.relationships.contacts.data[0].id') as contact_id,
        extracted_at
    from resources
)

select *
from renamed
where evaluation_id is not null
qualify row_number() over (
    partition by evaluation_id order by updated_at desc nulls last, extracted_at desc
) = 1
