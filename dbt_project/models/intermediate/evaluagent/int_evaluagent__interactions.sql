-- EvaluAgent contacts (the conversations its evaluations score) in the interaction shape.
select
    'evaluagent' as vendor,
    contacts.contact_id as vendor_interaction_id,
    contacts.contact_reference as external_interaction_id,
    coalesce(contacts.agent_user_id, evaluations.agent_user_id) as vendor_agent_id,
    {{ channel_label('contacts.channel') }} as channel,
    cast(null as varchar) as direction,
    contacts.contact_date as started_at,
    -- The vendor sent it (Kore alone sometimes does not: int_kore__conversations).
    cast(null as varchar) as started_at_source,
    contacts.handling_time_seconds as duration_seconds,
    cast(null as varchar) as language,
    cast(null as varchar) as queue_name,
    cast(null as varchar) as sentiment,
    cast(null as double) as sentiment_score,
    cast(null as varchar) as processing_status,
    cast(null as varchar) as failure_reason
from {{ ref('stg_evaluagent__contacts') }} as contacts
left join {{ ref('stg_evaluagent__evaluations') }} as evaluations
    on evaluations.evaluation_id = contacts.evaluation_id
