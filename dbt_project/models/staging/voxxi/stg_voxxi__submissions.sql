-- Calls submitted to Voxxi, as the submission ledger holds them: what was sent and where it
-- stands. One row per submission.
with source as (
    select * from {{ source('voxxi', 'submissions') }}
    where vendor = 'voxxi'
),

renamed as (
    select
        submission_key,
        vendor_id as call_id,
        status as submission_status,
        reason as submission_reason,
        payload ->> '$.memberId' as member_id,
        payload ->> '$.categoryId' as category_id,
        payload ->> '$.date' as call_date_text,
        payload ->> '$.audio_url' as audio_url,
        payload -> '$.udfs' as udfs,
        submitted_at,
        updated_at
    from source
)

select * from renamed
