-- What ExoVoiceAnalyze reported of each call that completed.
select
    'exotel' as vendor,
    call_sid as vendor_interaction_id,
    summary,
    summary_confidence,
    sentiment,
    sentiment_confidence,
    category,
    category_confidence,
    transcript,
    received_at as reported_at
from {{ ref('int_exotel__calls') }}
where status = 'completed'
