-- ExoVoiceAnalyze's results, one row per delivery (job). The task is named in the body of a
-- success and in the signed callback URL of every delivery (a failure's body has none); the
-- fields are named apart from the tasks (`summarization` -> `summary`, `categorise` ->
-- `category`), and sentiment comes in capitals (`NEUTRAL`): lower case here, as for every
-- vendor.
with source as (
    select * from {{ source('exotel', 'webhooks') }}
),

renamed as (
    select
        delivery_key as job_id,
        submission_key as call_sid,
        coalesce(nullif(payload ->> '$.task_id', ''), reference) as task_id,
        payload ->> '$.callSID' as reported_call_sid,
        lower(payload ->> '$.success') = 'true' as succeeded,
        nullif(trim(payload ->> '$.reason'), '') as reason,
        payload ->> '$.summary.summary' as summary,
        try_cast(payload ->> '$.summary.confidence' as double) as summary_confidence,
        lower(trim(payload ->> '$.sentiment.sentiment')) as sentiment,
        try_cast(payload ->> '$.sentiment.confidence' as double) as sentiment_confidence,
        payload ->> '$.category.category' as category,
        try_cast(payload ->> '$.category.confidence' as double) as category_confidence,
        payload ->> '$.transcript' as transcript,
        coalesce(vendor_id_verified, true) as job_id_verified,
        copies,
        received_at,
        landed_at
    from source
)

select * from renamed
