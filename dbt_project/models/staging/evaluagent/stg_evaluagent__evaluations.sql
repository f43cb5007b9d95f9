-- One row per EvaluAgent evaluation: its latest version (an evaluation re-published later keeps
-- its id and moves updated_at; the latest one wins, whichever window it was listed in).
{%- set fields = {
    'evaluation_id': ['$.id'],
    'reference': ['$.attributes.reference'],
    'status': ['$.attributes.status'],
    'evaluation_mode': ['$.attributes.evaluation_type'],
    'outcome': ['$.attributes.outcome'],
    'score': ['$.attributes.score'],
    'max_score': ['$.attributes.max_score'],
    'auto_failed': ['$.attributes.auto_failed'],
    'auto_fail_count': ['$.attributes.auto_fail_count'],
    'published_at': ['$.attributes.published_at'],
    'updated_at': ['$.attributes.updated_at'],
    'agent_name': ['$.attributes.agent_name'],
    'evaluator_name': ['$.attributes.evaluator_name'],
    'scorecard_id': ['$.attributes.scorecard_id'],
    'scorecard_name': ['$.attributes.scorecard_name'],
    'contact_reference': ['$.attributes.contact_reference'],
    'agent_user_id': ['$.relationships.agent.data.id'],
    'evaluator_user_id': ['$.relationships.evaluator.data.id'],
    'contact_id': ['$.relationships.contacts.data[0].id'],
} %}

with resources as (
    select extracted_at, resource
    from {{ ref('base_evaluagent__evaluation_resources') }}
    where part = 'data'
),

-- Each resource parsed once (see json_text_list).
extracted as (
    select {{ json_text_list('resource', fields) }} as texts, extracted_at
    from resources
),

renamed as (
    select
        {{ json_columns('texts', fields, [
            'evaluation_id',
            'reference',
            'status',
            'evaluation_mode',
        ]) }},
        lower({{ json_field('texts', fields, 'outcome') }}) as outcome,
        try_cast({{ json_field('texts', fields, 'score') }} as double) as score,
        coalesce(try_cast({{ json_field('texts', fields, 'max_score') }} as double), 100)
            as max_score,
        coalesce(try_cast({{ json_field('texts', fields, 'auto_failed') }} as boolean), false)
            as is_auto_failed,
        try_cast({{ json_field('texts', fields, 'auto_fail_count') }} as integer)
            as auto_fail_count,
        {{ to_utc_timestamp(json_field('texts', fields, 'published_at')) }} as published_at,
        {{ to_utc_timestamp(json_field('texts', fields, 'updated_at')) }} as updated_at,
        {{ json_columns('texts', fields, [
            'agent_name',
            'evaluator_name',
            'scorecard_id',
            'scorecard_name',
            'contact_reference',
            'agent_user_id',
            'evaluator_user_id',
            'contact_id',
        ]) }},
        extracted_at
    from extracted
)

select *
from renamed
where evaluation_id is not null
qualify row_number() over (
    partition by evaluation_id order by updated_at desc nulls last, extracted_at desc
) = 1
