-- Kore's sentiment of each conversation that has one (Kore reports no summary, category or
-- transcript in rawdata).
select
    'kore' as vendor,
    conversation_id as vendor_interaction_id,
    cast(null as varchar) as summary,
    cast(null as double) as summary_confidence,
    lower(sentiment_label) as sentiment,
    cast(null as double) as sentiment_confidence,
    cast(null as varchar) as category,
    cast(null as double) as category_confidence,
    cast(null as varchar) as transcript,
    extracted_at as reported_at
from {{ ref('int_kore__conversations') }}
where sentiment_label is not null
