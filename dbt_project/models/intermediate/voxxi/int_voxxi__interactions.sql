-- Voxxi calls in the shape of fct_interaction: every call submitted, failed ones with their
-- status and reason; started at the call's `metadata.createdAt`.
select
    'voxxi' as vendor,
    call_id as vendor_interaction_id,
    submission_key as external_interaction_id,
    vendor_agent_id,
    'voice' as channel,
    cast(null as varchar) as direction,
    created_at as started_at,
    cast(null as varchar) as started_at_source,
    duration_seconds,
    cast(null as varchar) as language,
    cast(null as varchar) as queue_name,
    cast(null as varchar) as sentiment,
    cast(null as double) as sentiment_score,
    status as processing_status,
    case when status = 'failed' then failure_reason end as failure_reason
from {{ ref('int_voxxi__calls') }}
where call_id is not null
