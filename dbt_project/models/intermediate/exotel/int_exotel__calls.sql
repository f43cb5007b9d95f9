-- Every call ExoVoiceAnalyze was asked about (sent, or in doubt whether it was), with the
-- result its webhook brought where one came: one row per call.
with requests as (
    select * from {{ ref('stg_exotel__requests') }}
    -- Refused by our own checks: never sent (their rows are in raw.quarantine).
    where submitted_at is not null
),

results as (
    select * from {{ ref('stg_exotel__webhooks') }}
)

select
    requests.call_sid,
    requests.task_id,
    coalesce(requests.job_id, results.job_id) as job_id,
    case
        when results.job_id is null then requests.request_status
        when results.succeeded then 'completed'
        else 'failed'
    end as status,
    case
        when results.job_id is not null and not results.succeeded
            then coalesce(results.reason, 'Exotel reported a failure without a reason')
        when results.job_id is null
            and requests.request_status in ('failed', 'rejected', 'in_doubt', 'resubmit')
            then requests.request_reason
    end as failure_reason,
    requests.started_at,
    -- The inbox names the agent by id, by email or both: the id when it has one.
    coalesce(requests.agent_id, requests.agent_email) as vendor_agent_id,
    requests.agent_email,
    results.summary,
    results.summary_confidence,
    results.sentiment,
    results.sentiment_confidence,
    results.category,
    results.category_confidence,
    results.transcript,
    results.received_at,
    requests.submitted_at
from requests
left join results
    on results.call_sid = requests.call_sid
    and (requests.job_id is null or results.job_id = requests.job_id)
-- A call asked about again (after a doubt) has one job in the ledger; should two results
-- name it, the latest counts.
qualify row_number() over (
    partition by requests.call_sid order by results.received_at desc nulls last
) = 1
