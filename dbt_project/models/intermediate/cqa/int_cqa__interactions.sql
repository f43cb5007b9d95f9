-- CQA interactions; failed ones keep their failure_reason.
select
    'cqa' as vendor,
    interaction_id as vendor_interaction_id,
    external_interaction_id,
    agent_key as vendor_agent_id,
    {{ channel_label('channel_type') }} as channel,
    cast(null as varchar) as direction,
    coalesce(interaction_started_at, created_at) as started_at,
    -- The vendor sent it (Kore alone sometimes does not: int_kore__conversations).
    cast(null as varchar) as started_at_source,
    duration_seconds,
    language,
    cast(null as varchar) as queue_name,
    cast(null as varchar) as sentiment,
    cast(null as double) as sentiment_score,
    status as processing_status,
    failure_reason
from {{ ref('stg_cqa__interactions') }}
