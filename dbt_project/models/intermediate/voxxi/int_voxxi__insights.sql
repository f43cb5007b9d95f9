-- Voxxi's summary of each call it analysed.
select
    'voxxi' as vendor,
    call_id as vendor_interaction_id,
    summary,
    cast(null as double) as summary_confidence,
    cast(null as varchar) as sentiment,
    cast(null as double) as sentiment_confidence,
    cast(null as varchar) as category,
    cast(null as double) as category_confidence,
    cast(null as varchar) as transcript,
    updated_at as reported_at
from {{ ref('int_voxxi__calls') }}
where call_id is not null and summary is not null
