-- One row per Voxxi call, from the latest version of its analysis: status, score, outcome
-- and the call's metadata. Sections and criteria are in their own models.
{#- Voxxi's documents name no field for why a call failed: the likely ones, first match wins. -#}
{%- set fields = {
    'call_id': ['$.data.callId'],
    'status': ['$.data.status'],
    'failure_reason': [
        '$.data.failureReason', '$.data.failure_reason', '$.data.reason', '$.data.error',
        '$.data.errorMessage', '$.data.message',
    ],
    'score': ['$.data.analysis.score'],
    'outcome_label': ['$.data.analysis.outcomeLabel'],
    'outcome_rationale': ['$.data.analysis.outcomeRationale'],
    'call_date_text': ['$.data.metadata.date'],
    'duration': ['$.data.metadata.duration'],
    'summary': ['$.data.metadata.summary'],
    'audio_url': ['$.data.metadata.audioUrl'],
    'created_at': ['$.data.metadata.createdAt'],
    'updated_at': ['$.data.metadata.updatedAt'],
} %}

with latest as (
    select * from {{ ref('base_voxxi__latest_analyses') }}
),

extracted as (
    select
        submission_key,
        {{ json_text_list('payload', fields) }} as texts,
        payload -> '$.data.analysis.callObservations' as call_observations,
        payload -> '$.data.analysis.areasForImprovement' as areas_for_improvement,
        payload -> '$.data.analysis.extractions' as extractions,
        payload -> '$.data.metadata.udfs' as udfs,
        extracted_at
    from latest
),

renamed as (
    select
        submission_key,
        {{ json_field('texts', fields, 'call_id') }} as call_id,
        lower({{ json_field('texts', fields, 'status') }}) as status,
        {{ json_field('texts', fields, 'failure_reason') }} as failure_reason,
        try_cast({{ json_field('texts', fields, 'score') }} as double) as score,
        {{ json_columns('texts', fields, ['outcome_label', 'outcome_rationale', 'call_date_text']) }},
        -- Voxxi does not document the unit; the values it sends are seconds.
        try_cast({{ json_field('texts', fields, 'duration') }} as double) as duration_seconds,
        {{ json_columns('texts', fields, ['summary', 'audio_url']) }},
        {{ to_utc_timestamp(json_field('texts', fields, 'created_at')) }} as created_at,
        {{ to_utc_timestamp(json_field('texts', fields, 'updated_at')) }} as updated_at,
        call_observations,
        areas_for_improvement,
        extractions,
        udfs,
        extracted_at
    from extracted
)

select * from renamed
