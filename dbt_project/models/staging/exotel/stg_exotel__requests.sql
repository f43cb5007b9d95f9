-- Calls ExoVoiceAnalyze was asked about, as the submission ledger holds them: the inbox row
-- sent, the job Exotel queued, and where the request stands. One row per call.
with source as (
    select * from {{ source('exotel', 'requests') }}
    where vendor = 'exotel'
),

renamed as (
    select
        submission_key as call_sid,
        payload ->> '$.task_id' as task_id,
        vendor_id as job_id,
        status as request_status,
        reason as request_reason,
        -- The inbox's start time, stored in UTC with a `Z` (pipeline/exotel/models.py).
        try_cast(payload ->> '$.start_time' as timestamp) as started_at,
        nullif(trim(payload ->> '$.agent_id'), '') as agent_id,
        {{ normalize_email("payload ->> '$.agent_email'") }} as agent_email,
        source_file,
        submitted_at,
        status_modified_at,
        updated_at
    from source
)

select * from renamed
