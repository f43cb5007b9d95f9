-- ExoVoiceAnalyze calls in the shape of fct_interaction: every call asked about, failed
-- ones with their status and reason; started at the inbox's start_time.
select
    'exotel' as vendor,
    call_sid as vendor_interaction_id,
    task_id as external_interaction_id,
    vendor_agent_id,
    'voice' as channel,
    cast(null as varchar) as direction,
    started_at,
    cast(null as varchar) as started_at_source,
    cast(null as double) as duration_seconds,
    -- Exotel transcribes any language into English; the call's own is not reported.
    cast(null as varchar) as language,
    cast(null as varchar) as queue_name,
    sentiment,
    cast(null as double) as sentiment_score,
    status as processing_status,
    failure_reason
from {{ ref('int_exotel__calls') }}
